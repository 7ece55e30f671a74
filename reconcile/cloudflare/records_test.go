package cloudflare

import (
	"encoding/json"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

var free = Options{}.WithDefaults().Limits()

// canon is schema.CanonicalValue for values the test knows are valid.
func canon(t *testing.T, typ, v string) string {
	t.Helper()
	c, err := schema.CanonicalValue(typ, v)
	if err != nil {
		t.Fatalf("CanonicalValue(%s, %q): %v", typ, v, err)
	}
	return c
}

// throughAPI sends r as toBody would and reads it back as the API would
// return it: the same JSON keys for content, priority, data, ttl, proxied
// and comment.
func throughAPI(t *testing.T, r reconcile.Record, zone string) (body, reconcile.Record) {
	t.Helper()
	b, err := toBody(r, free)
	if err != nil {
		t.Fatalf("toBody(%v): %v", r, err)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var a apiRecord
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	got, err := fromAPI(&a, zone)
	if err != nil {
		t.Fatalf("fromAPI(%s): %v", raw, err)
	}
	return b, got
}

func TestRecordRoundTrip(t *testing.T) {
	const zone = "example.com."
	tests := []struct {
		name, typ, value string
		wantJSON         string // fragment expected in the body sent
	}{
		{"www.example.com.", "A", "192.0.2.1", `"content":"192.0.2.1"`},
		{"www.example.com.", "AAAA", "2001:db8::1", `"content":"2001:db8::1"`},
		{"www.example.com.", "CNAME", "Target.Example.NET.", `"content":"target.example.net"`},
		{"example.com.", "ALIAS", "lb.example.net.", `"type":"CNAME"`},
		{"example.com.", "MX", "10 mx.example.com.", `"priority":10`},
		{"example.com.", "MX", "0 .", `"content":"."`},
		{"example.com.", "TXT", `"v=spf1 -all"`, `"content":"\"v=spf1 -all\""`},
		{"_sip._tcp.example.com.", "SRV", "10 20 5060 sip.example.com.", `"data":{"port":5060,"priority":10,"target":"sip.example.com","weight":20}`},
		{"_sip._tcp.example.com.", "SRV", "0 0 0 .", `"target":"."`},
		{"example.com.", "CAA", `0 issue "letsencrypt.org"`, `"data":{"flags":0,"tag":"issue","value":"letsencrypt.org"}`},
		{"example.com.", "CAA", `0 issuewild ";"`, `"value":";"`},
		{"example.com.", "CAA", `0 iodef "mailto:sec@example.com"`, `"tag":"iodef"`},
		{"example.com.", "CAA", `128 issue "ca.example; account=\"a b\""`, `"value":"ca.example; account=\"a b\""`},
		{"sub.example.com.", "NS", "ns1.example.net.", `"content":"ns1.example.net"`},
		{"1.2.0.192.in-addr.example.com.", "PTR", "host.example.com.", `"content":"host.example.com"`},
		{"sub.example.com.", "DS", "12345 13 2 ABCDEF0123456789", `"key_tag":12345`},
		{"_443._tcp.example.com.", "TLSA", "3 1 1 abcdef0123", `"matching_type":1`},
		{"host.example.com.", "SSHFP", "4 2 abcdef0123", `"fingerprint":"`},
		{"example.com.", "HTTPS", `1 . alpn="h3,h2" ipv4hint="192.0.2.1"`, `"value":"alpn=\"h3,h2\" ipv4hint=\"192.0.2.1\""`},
		{"_dns.example.com.", "SVCB", "0 svc.example.net.", `"target":"svc.example.net"`},
		{"example.com.", "NAPTR", `100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp.example.com.`, `"regex":"!^.*$!sip:info@example.com!"`},
		{"_http._tcp.example.com.", "URI", `10 1 "https://www.example.com/a b"`, `"priority":10,"data":{"target":"https://www.example.com/a b","weight":1}`},
		{"example.com.", "LOC", "52 22 23.5 N 4 53 32 W -2.5m 1m 10000m 10m", `"data":{"altitude":-2.5,"lat_degrees":52,"lat_direction":"N","lat_minutes":22,"lat_seconds":23.5,"long_degrees":4,"long_direction":"W"`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.value, func(t *testing.T) {
			r := reconcile.Record{Name: tt.name, Type: tt.typ, TTL: 300, Value: canon(t, tt.typ, tt.value), File: "zones/example.com.yaml", Line: 3}
			b, got := throughAPI(t, r, zone)
			raw, _ := json.Marshal(b)
			if !strings.Contains(string(raw), tt.wantJSON) {
				t.Errorf("body %s\nlacks %s", raw, tt.wantJSON)
			}
			want := normalize(r, free)
			want.Line, got.Line = 0, 0
			if got != want {
				t.Errorf("read back\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestTXTShapes(t *testing.T) {
	tests := []struct {
		name  string
		value string // presentation form, as a zone file gives it
		lens  []int  // decoded length of each character-string sent
	}{
		{"quotes", `"say \"hi\""`, []int{8}},
		{"backslashes", `"a\\b\\\\c"`, []int{6}},
		{"semicolons", `"v=DKIM1; k=rsa; p=abc"`, []int{21}},
		{"empty string", `""`, []int{0}},
		{"several strings", `"a" "" "b"`, []int{1, 0, 1}},
		{"254", `"` + strings.Repeat("x", 254) + `"`, []int{254}},
		{"255", `"` + strings.Repeat("x", 255) + `"`, []int{255}},
		{"256", `"` + strings.Repeat("x", 256) + `"`, []int{255, 1}},
		{"766", `"` + strings.Repeat("y", 766) + `"`, []int{255, 255, 255, 1}},
		{"escaped quotes across 255", `"` + strings.Repeat(`\"`, 300) + `"`, []int{255, 45}},
		{"utf-8", `"é` + strings.Repeat("z", 254) + `"`, []int{255, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := canon(t, "TXT", tt.value)
			r := reconcile.Record{Name: "t.example.com.", Type: "TXT", TTL: 300, Value: v, File: "zones/example.com.yaml"}
			b, got := throughAPI(t, r, "example.com.")
			// The content is quoted character-strings, each at most 255
			// bytes once its escapes are decoded.
			rr, err := mdns.NewRR("x. 300 IN TXT " + b.Content)
			if err != nil {
				t.Fatalf("content %q does not parse: %v", b.Content, err)
			}
			var lens []int
			for _, s := range rr.(*mdns.TXT).Txt {
				lens = append(lens, len(unescape(s)))
			}
			if !equalInts(lens, tt.lens) {
				t.Errorf("string lengths %v, want %v (content %q)", lens, tt.lens, b.Content)
			}
			if got.Value != v {
				t.Errorf("read back %q, want %q", got.Value, v)
			}
			if !strings.HasPrefix(b.Content, `"`) {
				t.Errorf("content %q is not quoted", b.Content)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMarkers(t *testing.T) {
	tests := []struct {
		comment    string
		file, user string
	}{
		{"zoneward:zones/example.com.yaml", "zones/example.com.yaml", ""},
		{"zoneward:zones/acme.dev/alice.yaml mail for alice", "zones/acme.dev/alice.yaml", "mail for alice"},
		{"zoneward:zones/x.yaml  two spaces", "zones/x.yaml", " two spaces"},
		{"set up by hand", "", "set up by hand"},
		{"zoneward:", "", "zoneward:"},
		{"zoneward: no file", "", "zoneward: no file"},
		{"Zoneward:zones/x.yaml", "", "Zoneward:zones/x.yaml"},
		{"", "", ""},
	}
	for _, tt := range tests {
		file, user := parseComment(tt.comment)
		if file != tt.file || user != tt.user {
			t.Errorf("parseComment(%q) = %q, %q; want %q, %q", tt.comment, file, user, tt.file, tt.user)
		}
		if tt.file != "" && strings.TrimSpace(tt.user) == tt.user {
			if c := comment(file, user); c != tt.comment {
				t.Errorf("comment(%q, %q) = %q, want %q", file, user, c, tt.comment)
			}
		}
	}
}

func TestCommentFitsPlan(t *testing.T) {
	const file = "zones/example.com.yaml" // marker "zoneward:zones/example.com.yaml" is 31 characters
	long := strings.Repeat("é", 200)
	for _, lim := range []PlanLimits{free, Options{Plan: PlanPaid}.WithDefaults().Limits()} {
		r := reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", File: file, Comment: long}
		b, err := toBody(r, lim)
		if err != nil {
			t.Fatal(err)
		}
		if n := len([]rune(b.Comment)); n > lim.CommentChars {
			t.Errorf("limit %d: comment has %d characters", lim.CommentChars, n)
		}
		gotFile, user := parseComment(b.Comment)
		if gotFile != file {
			t.Errorf("limit %d: marker lost: %q", lim.CommentChars, b.Comment)
		}
		// Normalize predicts the cut, so the plan after apply is empty.
		if n := normalize(r, lim); n.Comment != user {
			t.Errorf("limit %d: Normalize comment %q, stored user part %q", lim.CommentChars, n.Comment, user)
		}
	}
	// A marker that alone exceeds the limit is refused, never cut.
	r := reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", File: "zones/" + strings.Repeat("a", 100) + ".yaml"}
	if _, err := toBody(r, free); err == nil {
		t.Error("toBody accepted a marker longer than the comment limit")
	}
	// Line breaks cannot be stored; they become spaces on both sides.
	r = reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", File: file, Comment: "one\ntwo\r\nthree "}
	b, _ := toBody(r, free)
	if b.Comment != "zoneward:"+file+" one two three" {
		t.Errorf("comment %q", b.Comment)
	}
	if n := normalize(r, free); n.Comment != "one two three" {
		t.Errorf("Normalize comment %q", n.Comment)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   reconcile.Record
		want reconcile.Record
	}{
		{"proxied is auto TTL",
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 300, Proxied: true},
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 1, Proxied: true, AutoTTL: true}},
		{"auto TTL is 1",
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 3600, AutoTTL: true},
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 1, AutoTTL: true}},
		{"TTL 1 is auto",
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 1},
			reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 1, AutoTTL: true}},
		{"only A AAAA CNAME proxy",
			reconcile.Record{Name: "a.example.com.", Type: "TXT", TTL: 300, Proxied: true},
			reconcile.Record{Name: "a.example.com.", Type: "TXT", TTL: 300}},
		{"ALIAS proxies",
			reconcile.Record{Name: "example.com.", Type: "ALIAS", TTL: 300, Proxied: true},
			reconcile.Record{Name: "example.com.", Type: "ALIAS", TTL: 1, Proxied: true, AutoTTL: true}},
		{"case folding",
			reconcile.Record{Name: "WWW.Example.COM", Type: "a", TTL: 300},
			reconcile.Record{Name: "www.example.com.", Type: "A", TTL: 300}},
	}
	for _, tt := range tests {
		if got := normalize(tt.in, free); got != tt.want {
			t.Errorf("%s: normalize(%+v)\n got %+v\nwant %+v", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestFromAPI(t *testing.T) {
	const zone = "example.com."
	tests := []struct {
		name, json string
		want       reconcile.Record
		skip       bool
	}{
		{"MX priority from raw JSON", `{"id":"1","name":"example.com","type":"MX","content":"mx.example.com","priority":20,"ttl":1,"comment":"zoneward:zones/example.com.yaml"}`,
			reconcile.Record{Name: "example.com.", Type: "MX", TTL: 1, AutoTTL: true, Value: "20 mx.example.com.", File: "zones/example.com.yaml", ID: "1"}, false},
		{"apex CNAME reads as ALIAS", `{"id":"2","name":"Example.com","type":"CNAME","content":"LB.example.net","ttl":300,"proxied":true}`,
			reconcile.Record{Name: "example.com.", Type: "ALIAS", TTL: 300, Proxied: true, Value: "lb.example.net.", ID: "2"}, false},
		{"IDN name in Unicode", `{"id":"3","name":"bücher.example.com","type":"A","content":"192.0.2.1","ttl":300}`,
			reconcile.Record{Name: "xn--bcher-kva.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", ID: "3"}, false},
		{"SRV data", `{"id":"4","name":"_s._tcp.example.com","type":"SRV","content":"2 3 t.example.com","priority":1,"data":{"priority":1,"weight":2,"port":3,"target":"t.example.com"},"ttl":300}`,
			reconcile.Record{Name: "_s._tcp.example.com.", Type: "SRV", TTL: 300, Value: "1 2 3 t.example.com.", ID: "4"}, false},
		{"SRV content without data", `{"id":"5","name":"_s._tcp.example.com","type":"SRV","content":"2 3 t.example.com","priority":1,"ttl":300}`,
			reconcile.Record{Name: "_s._tcp.example.com.", Type: "SRV", TTL: 300, Value: "1 2 3 t.example.com.", ID: "5"}, false},
		{"wildcard", `{"id":"6","name":"*.example.com","type":"A","content":"192.0.2.1","ttl":300}`,
			reconcile.Record{Name: "*.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", ID: "6"}, false},
		{"apex NS skipped", `{"id":"7","name":"example.com","type":"NS","content":"ada.ns.cloudflare.com","ttl":86400}`, reconcile.Record{}, true},
		{"read-only skipped", `{"id":"8","name":"x.example.com","type":"A","content":"192.0.2.1","ttl":300,"meta":{"read_only":true}}`, reconcile.Record{}, true},
	}
	for _, tt := range tests {
		var a apiRecord
		if err := json.Unmarshal([]byte(tt.json), &a); err != nil {
			t.Fatal(err)
		}
		if a.skip(zone) != tt.skip {
			t.Errorf("%s: skip = %v", tt.name, !tt.skip)
			continue
		}
		if tt.skip {
			continue
		}
		got, err := fromAPI(&a, zone)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestUnescapeQuote(t *testing.T) {
	for _, raw := range []string{"", "plain", `a"b`, `back\slash`, "semi;colon", "é", "\x00\x7f"} {
		if got := unescape(strings.Trim(quote(raw), `"`)); got != raw {
			t.Errorf("unescape(quote(%q)) = %q", raw, got)
		}
	}
}

func TestToBodyProxiedOnlyWhereAllowed(t *testing.T) {
	for _, typ := range []string{"A", "CNAME", "MX"} {
		v := map[string]string{"A": "192.0.2.1", "CNAME": "t.example.net.", "MX": "10 mx.example.net."}[typ]
		b, err := toBody(reconcile.Record{Name: "p.example.com.", Type: typ, TTL: 300, Value: v, Proxied: true}, free)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(b)
		sent := strings.Contains(string(raw), `"proxied"`)
		if sent != (typ != "MX") {
			t.Errorf("%s: proxied sent = %v: %s", typ, sent, raw)
		}
		if typ != "MX" && b.TTL != 1 {
			t.Errorf("%s proxied: ttl %d, want 1", typ, b.TTL)
		}
	}
}
