package schema

import (
	"fmt"
	"strings"
	"testing"
)

// benchFile is a typical file: 20 records of the common types.
func benchFile() []byte {
	var b strings.Builder
	b.WriteString("'':\n  - {type: MX, values: [{preference: 10, exchange: mx1.example.com.}, {preference: 20, exchange: mx2.example.com.}]}\n")
	b.WriteString("  - {type: TXT, value: v=spf1 include:_spf.example.net\\; -all}\n")
	b.WriteString("  - {type: CAA, value: {tag: issue, value: letsencrypt.org}}\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "host%d: {type: A, ttl: 300, value: 192.0.2.%d}\n", i, i+1)
	}
	for i := 0; i < 4; i++ {
		fmt.Fprintf(&b, "www%d: {type: CNAME, value: host%d.example.com., octodns: {cloudflare: {proxied: true}}}\n", i, i)
	}
	b.WriteString("_sip._tcp: {type: SRV, value: {priority: 10, weight: 5, port: 5060, target: sip.example.com.}}\n")
	return []byte(b.String())
}

func BenchmarkParseFile(b *testing.B) {
	data := benchFile()
	opts := ParseOptions{Policy: DefaultConfig().Policy}
	if f := ParseFile("zones/example.com.yaml", data, opts); len(f.Errs) > 0 || len(f.Records) != 21 {
		b.Fatalf("bench file: %d records, errors %v", len(f.Records), f.Errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		ParseFile("zones/example.com.yaml", data, opts)
	}
}
