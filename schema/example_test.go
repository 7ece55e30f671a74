package schema_test

import (
	"fmt"

	"github.com/zoneward/zoneward/schema"
)

func ExampleParseFile() {
	data := []byte(`
'':
  type: MX
  values:
    - {preference: 10, exchange: mx1.example.com.}
    - {preference: 20, exchange: mx2.example.com.}
www:
  type: A
  ttl: 300
  value: 192.0.2.10
  octodns:
    cloudflare: {proxied: true}
old:
  type: CNAME
  value: www.example.com
`)
	f := schema.ParseFile("zones/example.com.yaml", data, schema.ParseOptions{})
	for _, r := range f.Records {
		fmt.Println(r.Name, r.TTL, r.Type, r.Value, r.Proxied)
	}
	for _, e := range f.Errs {
		fmt.Println(e)
	}
	// Output:
	// example.com. 3600 MX 10 mx1.example.com. false
	// example.com. 3600 MX 20 mx2.example.com. false
	// www.example.com. 300 A 192.0.2.10 true
	// zones/example.com.yaml:15:10: CNAME value "www.example.com" is not absolute; write "www.example.com."
}
