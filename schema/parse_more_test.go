package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseFileRecords(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "parse", "example.com.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := ParseFile("zones/example.com.yaml", data, ParseOptions{Policy: DefaultConfig().Policy})
	if len(f.Errs) > 0 {
		t.Fatalf("unexpected errors:\n%v", f.Errs)
	}
	if f.Zone != "example.com." || f.Origin != "example.com." || f.Subtree() {
		t.Errorf("zone, origin = %q, %q", f.Zone, f.Origin)
	}
	var got []string
	for _, r := range f.Records {
		line := r.Name + " " + r.Type + " " + r.Value
		if r.TTL != 3600 {
			line += " ttl=" + strconv.Itoa(int(r.TTL))
		}
		if r.Proxied || r.AutoTTL || r.Comment != "" {
			line += " cf=" + strings.Join([]string{boolText(r.Proxied), boolText(r.AutoTTL), r.Comment}, ",")
		}
		if r.Tags != "" {
			line += " tags=" + strings.ReplaceAll(r.Tags, "\n", ",")
		}
		got = append(got, line+" @"+r.Pos.String())
	}
	want := []string{
		`*.example.com. A 192.0.2.10 ttl=300 @zones/example.com.yaml:33:3`,
		`10.2.0.example.com. PTR host.example.com. @zones/example.com.yaml:57:3`,
		`_443._tcp.www.example.com. TLSA 3 1 1 0A1B2C3D @zones/example.com.yaml:49:3`,
		`_dns.example.com. SVCB 1 dns.example.com. alpn="dot" key65000="hello" @zones/example.com.yaml:65:3`,
		`_http._tcp.example.com. URI 10 1 "https://www.example.com/" @zones/example.com.yaml:79:3`,
		`_sip._tcp.example.com. SRV 10 40 5060 sip2.example.com. @zones/example.com.yaml:47:7`,
		`_sip._tcp.example.com. SRV 10 60 5060 sip1.example.com. @zones/example.com.yaml:46:7`,
		`dev.example.com. DS 60485 13 1 2BB183AF5F22588179A53B0A98631FAD1A292118 @zones/example.com.yaml:62:5`,
		`dev.example.com. NS ns1.dev-dns.example. @zones/example.com.yaml:61:14`,
		`dev.example.com. NS ns2.dev-dns.example. @zones/example.com.yaml:61:36`,
		`example.com. ALIAS lb.example.net. @zones/example.com.yaml:4:5`,
		`example.com. CAA 0 iodef "mailto:security@example.com" @zones/example.com.yaml:20:9`,
		`example.com. CAA 0 issue "letsencrypt.org" @zones/example.com.yaml:18:9`,
		`example.com. CAA 128 issuewild ";" @zones/example.com.yaml:19:9`,
		`example.com. HTTPS 1 . alpn="h3,h2" no-default-alpn="" port="443" ipv4hint="192.0.2.1" @zones/example.com.yaml:21:5`,
		`example.com. MX 10 mx1.example.com. @zones/example.com.yaml:8:9`,
		`example.com. MX 20 mx2.example.com. @zones/example.com.yaml:10:9`,
		`example.com. NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.com. @zones/example.com.yaml:30:5`,
		`example.com. TXT "say \"hi\" with a back\\slash" @zones/example.com.yaml:15:9`,
		`example.com. TXT "v=spf1 include:_spf.example.net; -all" @zones/example.com.yaml:14:9`,
		`host.example.com. AAAA 2001:db8::1 @zones/example.com.yaml:55:14`,
		`host.example.com. AAAA 2001:db8::2 @zones/example.com.yaml:55:29`,
		`host.example.com. SSHFP 4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789 @zones/example.com.yaml:52:5`,
		`loc.example.com. LOC 52 22 23.500 N 04 53 32.000 E -2m 1m 10000m 10m @zones/example.com.yaml:76:3`,
		`old.example.com. DNAME example.net. @zones/example.com.yaml:82:3`,
		`quoted.example.com. TXT "\"starts with\" \"a quote\"" @zones/example.com.yaml:86:12`,
		`quoted.example.com. TXT "ab" @zones/example.com.yaml:86:43`,
		`tagged.example.com. A 192.0.2.21 tags=owner,team:web @zones/example.com.yaml:88:3`,
		`www.example.com. CNAME example.com. cf=true,true,owned by web team @zones/example.com.yaml:37:3`,
		`xn--bcher-kva.example.com. A 192.0.2.20 @zones/example.com.yaml:68:3`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestParseFileTXTSplit(t *testing.T) {
	long := strings.Repeat("a", 300)
	f := ParseFile("zones/example.com.yaml", []byte("'': {type: TXT, value: "+long+"}\n"), ParseOptions{})
	if len(f.Errs) > 0 || len(f.Records) != 1 {
		t.Fatalf("errs %v, records %v", f.Errs, f.Records)
	}
	want := `"` + strings.Repeat("a", 255) + `" "` + strings.Repeat("a", 45) + `"`
	if f.Records[0].Value != want {
		t.Errorf("value = %s, want %s", f.Records[0].Value, want)
	}
}

func TestParseFileSubtree(t *testing.T) {
	f := ParseFile("zones/acme.dev/eu.alice.yaml", []byte("'': {type: A, value: 192.0.2.1}\nWww: {type: CNAME, value: eu.alice.acme.dev.}\n"), ParseOptions{})
	if len(f.Errs) > 0 {
		t.Fatal(f.Errs)
	}
	if f.Zone != "acme.dev." || f.Origin != "eu.alice.acme.dev." || !f.Subtree() {
		t.Errorf("zone, origin = %q, %q", f.Zone, f.Origin)
	}
	var names []string
	for _, r := range f.Records {
		names = append(names, r.Name)
	}
	if want := []string{"eu.alice.acme.dev.", "www.eu.alice.acme.dev."}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
}

// TestParseFileAllErrors checks that one pass reports every problem,
// sorted by position, and keeps the valid records.
func TestParseFileAllErrors(t *testing.T) {
	in := `www:
  type: A
  ttl: 10
  values: [1.2.3.4, '::1', 1.2.3.4]
'@': {type: A, value: 1.2.3.4}
mail:
  - {type: MX, value: {preference: 10, exchange: mx.example.com}}
  - {type: SPF, value: v=spf1 -all}
ok: {type: A, value: 192.0.2.1}
api: {type: CNAME, value: lb.example.net., octodns: {cloudflare: {proxied: sometimes, colour: orange}}}
`
	f := ParseFile("zones/example.com.yaml", []byte(in), ParseOptions{})
	want := []string{
		`zones/example.com.yaml:3:8: ttl 10 is below policy.ttl.min (60)`,
		`zones/example.com.yaml:4:21: A value "::1" is an IPv6 address; use an AAAA record`,
		`zones/example.com.yaml:4:28: duplicate A value "1.2.3.4" (also at line 4)`,
		`zones/example.com.yaml:5:1: "@" is not a name here; use '' for the origin "example.com."`,
		`zones/example.com.yaml:7:50: MX exchange "mx.example.com" is not absolute; write "mx.example.com."`,
		`zones/example.com.yaml:8:12: SPF records were retired by RFC 7208; publish the policy as a TXT record`,
		`zones/example.com.yaml:10:76: octodns.cloudflare.proxied must be true or false, not "sometimes"`,
		`zones/example.com.yaml:10:87: unknown key "colour" in octodns.cloudflare (known keys: proxied, auto-ttl, comment, tags)`,
	}
	if got := errStrings(f.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var kept []string
	for _, r := range f.Records {
		kept = append(kept, r.Name+" "+r.Type+" "+r.Value)
	}
	wantKept := []string{"api.example.com. CNAME lb.example.net.", "ok.example.com. A 192.0.2.1", "www.example.com. A 1.2.3.4"}
	if !reflect.DeepEqual(kept, wantKept) {
		t.Errorf("records kept = %q, want %q", kept, wantKept)
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path, zone, origin, err string
	}{
		{path: "zones/acme.dev.yaml", zone: "acme.dev.", origin: "acme.dev."},
		{path: "zones/acme.dev/alice.yaml", zone: "acme.dev.", origin: "alice.acme.dev."},
		{path: "zones/acme.dev/eu.alice.yaml", zone: "acme.dev.", origin: "eu.alice.acme.dev."},
		{path: "zones/xn--bcher-kva.de.yaml", zone: "xn--bcher-kva.de.", origin: "xn--bcher-kva.de."},
		{path: "zones/acme.dev.yml", zone: "acme.dev.", origin: "acme.dev.", err: `zone files end in .yaml; rename "zones/acme.dev.yml" to "zones/acme.dev.yaml"`},
		{path: "acme.dev.yaml", err: `"acme.dev.yaml" is not under zones/`},
		{path: "zones/acme.dev.json", err: `"zones/acme.dev.json" is not a .yaml file`},
		{path: "zones/acme dev.yaml", err: `"zones/acme dev.yaml": "acme dev" has character ' '; file names use a-z, 0-9, '.', '-' and '_'`},
		{path: "zones/xn--zz.dev.yaml", err: `"zones/xn--zz.dev.yaml": label "xn--zz" is not valid punycode`},
		{path: "zones/-acme.dev.yaml", err: `"zones/-acme.dev.yaml": label "-acme" starts or ends with '-'`},
		{path: "zones/acme.dev/Alice.yaml", err: `"zones/acme.dev/Alice.yaml": file names are lower case; rename it to "zones/acme.dev/alice.yaml"`},
	}
	for _, tt := range tests {
		zone, origin, err := ParsePath(tt.path)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if zone != tt.zone || origin != tt.origin || gotErr != tt.err {
			t.Errorf("ParsePath(%q) = %q, %q, %q; want %q, %q, %q", tt.path, zone, origin, gotErr, tt.zone, tt.origin, tt.err)
		}
	}
}
