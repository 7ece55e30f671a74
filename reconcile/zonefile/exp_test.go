package zonefile
import ("testing";"strings";"github.com/miekg/dns")
func TestX(t *testing.T){
z := `$TTL 300
@ IN SOA ns1 host ( 1 ; serial
  2 3 4 5 ) ; trailing
; own line zoneward:zones/own.yaml
www IN A 1.2.3.4
x 60 IN TXT "a;b" ; zoneward:zones/x.yaml more
y IN MX 0 .
big IN TXT "` + strings.Repeat("a", 300) + `"
s IN SVCB 1 . alpn=h2,h3 ech="AAAA"
h IN HTTPS 0 Foo.COM.
c IN CAA 0 issue "letsencrypt.org"
q IN TXT "a\"b\\c;d"
`
zp := dns.NewZoneParser(strings.NewReader(z), "example.com.", "f")
for rr, ok := zp.Next(); ok; rr, ok = zp.Next() { t.Logf("%q | %q", rr.String(), zp.Comment()) }
t.Log(zp.Err())
}
