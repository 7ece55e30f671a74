package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeRoundTrip checks that ParseFile reads what Encode writes back
// to the same records, and that encoding again changes nothing.
func TestEncodeRoundTrip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "parse", "example.com.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const path = "zones/example.com.yaml"
	f := ParseFile(path, data, ParseOptions{})
	if len(f.Errs) > 0 {
		t.Fatal(f.Errs)
	}
	out, err := Encode(f.Origin, f.Records)
	if err != nil {
		t.Fatal(err)
	}
	g := ParseFile(path, out, ParseOptions{})
	if len(g.Errs) > 0 {
		t.Fatalf("parsing encoded file: %v\n%s", g.Errs, out)
	}
	if got, want := withoutPos(g.Records), withoutPos(f.Records); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed records:\n got %v\nwant %v\n%s", got, want, out)
	}
	again, err := Encode(g.Origin, g.Records)
	if err != nil || string(again) != string(out) {
		t.Errorf("second Encode differs (err %v):\n%s\nfirst:\n%s", err, again, out)
	}
}

func withoutPos(rs []Record) []Record {
	out := append([]Record(nil), rs...)
	for i := range out {
		out[i].Pos = Pos{}
	}
	return out
}

func TestEncodeShape(t *testing.T) {
	recs := []Record{
		{Name: "www.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", Proxied: true},
		{Name: "example.com.", Type: "TXT", TTL: 3600, Value: `"v=DKIM1; k=rsa" "\\x"`},
		{Name: "example.com.", Type: "MX", TTL: 3600, Value: "0 ."},
	}
	out, err := Encode("example.com.", recs)
	if err != nil {
		t.Fatal(err)
	}
	want := `---
'':
  - type: MX
    ttl: 3600
    value:
      preference: 0
      exchange: .
  - type: TXT
    ttl: 3600
    value: v=DKIM1\; k=rsa\\x
www:
  type: A
  ttl: 300
  value: 192.0.2.1
  octodns:
    cloudflare:
      proxied: true
`
	if string(out) != want {
		t.Errorf("Encode:\n%s\nwant:\n%s", out, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		recs []Record
		want string
	}{
		{[]Record{{Name: "www.other.org.", Type: "A", TTL: 60, Value: "192.0.2.1"}},
			`encoding example.com.: record "www.other.org." is outside the origin`},
		{[]Record{{Name: "www.example.com.", Type: "A", TTL: 60, Value: "192.0.2.1"}, {Name: "www.example.com.", Type: "A", TTL: 120, Value: "192.0.2.2"}},
			`encoding example.com.: A records at "www.example.com." have different TTLs (60 and 120)`},
		{[]Record{{Name: "www.example.com.", Type: "SPF", TTL: 60, Value: `"v=spf1"`}},
			`encoding example.com.: record "www.example.com." has unknown type "SPF"`},
	}
	for _, tt := range tests {
		_, err := Encode("example.com.", tt.recs)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Encode(%v) error = %v, want %s", tt.recs, err, tt.want)
		}
	}
	if out, err := Encode("example.com.", nil); err != nil || !strings.HasSuffix(string(out), "{}\n") {
		t.Errorf("Encode(nil) = %q, %v", out, err)
	}
}
