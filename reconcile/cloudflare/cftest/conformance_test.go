package cftest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

func mustSpec(t *testing.T) *spec {
	t.Helper()
	sp, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// templates maps request paths to the spec's path templates, most specific first.
var templates = []struct {
	re   *regexp.Regexp
	tmpl string
}{
	{regexp.MustCompile(`^/client/v4/zones/[^/]+/dns_records/batch$`), "batch"},
	{regexp.MustCompile(`^/client/v4/zones/[^/]+/dns_records/[^/]+$`), "/zones/{zone_id}/dns_records/{dns_record_id}"},
	{regexp.MustCompile(`^/client/v4/zones/[^/]+/dns_records$`), "/zones/{zone_id}/dns_records"},
	{regexp.MustCompile(`^/client/v4/zones/[^/]+/dnssec$`), "/zones/{zone_id}/dnssec"},
	{regexp.MustCompile(`^/client/v4/zones/[^/]+$`), "/zones/{zone_id}"},
	{regexp.MustCompile(`^/client/v4/zones$`), "/zones"},
}

// schemaFor returns the pointer to the response schema for a request.
//
// Two adjustments to the spec are needed, both forced by the file rather than chosen:
//   - The batch operation's 200 schema is an unresolvable $ref, so loadSpec adds one under x-cftest. Its 4XX
//     schema resolves and is used as is.
//   - The 4xx schemas of the DNS-record and DNSSEC operations are allOf[<success schema>, <failure schema>],
//     which no body can satisfy: the success half demands success: true (enum [true]) and the failure half
//     success: false (see TestSpecFailureSchemasContradict). We validate against the failure member.
func (sp *spec) schemaFor(t *testing.T, method, path string, status int) string {
	t.Helper()
	tmpl := ""
	for _, c := range templates {
		if c.re.MatchString(path) {
			tmpl = c.tmpl
			break
		}
	}
	if tmpl == "" {
		t.Fatalf("no spec path for %s", path)
	}
	if tmpl == "batch" {
		if status == http.StatusOK {
			return pointer("x-cftest", "batch-200")
		}
		return pointer("x-missing-path-items", "/zones/{zone_id}/dns_records/batch", "post", "responses", "4XX", "content", "application/json", "schema")
	}
	ptr, err := sp.responseSchema(tmpl, method, status)
	if err != nil {
		t.Fatal(err)
	}
	if status >= 400 {
		s, err := sp.lookup(ptr)
		if err != nil {
			t.Fatal(err)
		}
		members, _ := s.(map[string]any)["allOf"].([]any)
		for i, m := range members {
			if ref, _ := m.(map[string]any)["$ref"].(string); strings.HasSuffix(ref, "_api-response-common-failure") {
				return ptr + pointer("allOf", fmt.Sprint(i))
			}
		}
	}
	return ptr
}

type exchange struct {
	method, path string
	body         any
	status       int
}

func TestConformance(t *testing.T) {
	sp := mustSpec(t)
	srv := newServer(t, cftest.WithDNSSECDelay(0))
	zid := srv.AddZone("example.com")
	paid := srv.AddZone("paid.example")
	if err := srv.SetPlan("paid.example", cftest.PlanPaid); err != nil {
		t.Fatal(err)
	}
	seed := []cftest.Record{
		{Name: "example.com", Type: "MX", Content: "mx.example.net", Priority: 10},
		{Name: "www.example.com", Type: "CNAME", Content: "example.net", Proxied: true, Comment: "site"},
		{Name: "v6.example.com", Type: "AAAA", Content: "2001:db8::1", TTL: 300},
		{Name: "example.com", Type: "TXT", Content: "\"v=spf1 -all\""},
		{Name: "_sip._tcp.example.com", Type: "SRV", Data: map[string]any{"priority": 10.0, "weight": 5.0, "port": 5060.0, "target": "sip.example.com"}},
		{Name: "example.com", Type: "CAA", Data: map[string]any{"flags": 0.0, "tag": "issue", "value": "letsencrypt.org"}},
		{Name: "_443._tcp.example.com", Type: "TLSA", Data: map[string]any{"usage": 3.0, "selector": 1.0, "matching_type": 1.0, "certificate": "abcdef"}},
		{Name: "h.example.com", Type: "HTTPS", Data: map[string]any{"priority": 1.0, "target": ".", "value": `alpn="h3,h2"`}},
		{Name: "example.com", Type: "SSHFP", Data: map[string]any{"algorithm": 4.0, "type": 2.0, "fingerprint": "123456"}},
		{Name: "example.com", Type: "DS", Data: map[string]any{"key_tag": 1.0, "algorithm": 13.0, "digest_type": 2.0, "digest": "ABCD"}},
		{Name: "example.com", Type: "NAPTR", Data: map[string]any{"order": 100.0, "preference": 10.0, "flags": "S", "service": "SIP+D2U", "regex": "", "replacement": "_sip._udp.example.com"}},
		{Name: "example.com", Type: "URI", Priority: 1, Data: map[string]any{"weight": 1.0, "target": "https://example.com/"}},
	}
	for _, r := range seed {
		if _, err := srv.AddRecord("example.com", r); err != nil {
			t.Fatal(err)
		}
	}
	tagged, err := srv.AddRecord("paid.example", cftest.Record{Name: "t.paid.example", Type: "A", Content: "192.0.2.1", Comment: "c", Tags: []string{"owner:dns"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := srv.AddRecord("example.com", cftest.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1"})
	recs := "/client/v4/zones/" + zid + "/dns_records"
	aPost := map[string]any{"name": "n.example.com", "type": "A", "content": "192.0.2.7", "ttl": 1}

	steps := []exchange{
		{"GET", "/client/v4/zones", nil, 200},
		{"GET", "/client/v4/zones?name=example.com&status=active&account.id=" + srv.AccountID(), nil, 200},
		{"GET", "/client/v4/zones?per_page=1", nil, 400},
		{"POST", "/client/v4/zones", map[string]any{"account": map[string]any{"id": srv.AccountID()}, "name": "new.example", "type": "full"}, 200},
		{"POST", "/client/v4/zones", map[string]any{"account": map[string]any{"id": srv.AccountID()}, "name": "new.example"}, 400},
		{"GET", "/client/v4/zones/" + zid, nil, 200},
		{"GET", "/client/v4/zones/0000", nil, 400},
		{"GET", recs, nil, 200},
		{"GET", "/client/v4/zones/" + paid + "/dns_records?tag=owner:dns", nil, 200},
		{"GET", recs + "?per_page=0", nil, 400},
		{"POST", recs, aPost, 200},
		{"POST", recs, aPost, 400}, // identical record
		{"POST", recs, map[string]any{"name": "example.com", "type": "MX", "content": "m.example.net", "priority": 5, "ttl": 1, "proxied": true}, 400},
		{"GET", recs + "/" + a.ID, nil, 200},
		{"GET", "/client/v4/zones/" + paid + "/dns_records/" + tagged.ID, nil, 200},
		{"GET", recs + "/nope", nil, 404},
		{"PATCH", recs + "/" + a.ID, map[string]any{"comment": "patched"}, 200},
		{"PATCH", recs + "/" + a.ID, map[string]any{"ttl": 5}, 400},
		{"PUT", recs + "/" + a.ID, map[string]any{"name": "a.example.com", "type": "A", "content": "192.0.2.9", "ttl": 120}, 200},
		{"PUT", recs + "/" + a.ID, map[string]any{"name": "a.example.org", "type": "A", "content": "192.0.2.9", "ttl": 120}, 400},
		{"DELETE", recs + "/" + a.ID, nil, 200},
		{"DELETE", recs + "/" + a.ID, nil, 404},
		{"POST", recs + "/batch", map[string]any{"posts": []any{map[string]any{"name": "b.example.com", "type": "A", "content": "192.0.2.8", "ttl": 1}},
			"patches": []any{}, "puts": []any{}, "deletes": []any{}}, 200},
		{"POST", recs + "/batch", map[string]any{"posts": []any{aPost}}, 400},
		{"GET", "/client/v4/zones/" + zid + "/dnssec", nil, 200},
		{"PATCH", "/client/v4/zones/" + zid + "/dnssec", map[string]any{"status": "active"}, 200},
		{"GET", "/client/v4/zones/" + zid + "/dnssec", nil, 200},
		{"PATCH", "/client/v4/zones/" + zid + "/dnssec", map[string]any{"status": "on"}, 400},
		{"GET", "/client/v4/zones/0000/dnssec", nil, 400},
	}
	for _, st := range steps {
		status, body := doRaw(t, srv, st.method, st.path, st.body, cftest.DefaultToken)
		if status != st.status {
			t.Errorf("%s %s: status %d, want %d: %v", st.method, st.path, status, st.status, body)
			continue
		}
		path, _, _ := strings.Cut(st.path, "?")
		if err := sp.validate(sp.schemaFor(t, st.method, path, status), body); err != nil {
			t.Errorf("%s %s → %d does not conform: %v", st.method, st.path, status, err)
		}
	}
	// Authentication failures on every path conform too.
	for _, p := range []string{"/client/v4/zones", "/client/v4/zones/" + zid, recs, recs + "/x", "/client/v4/zones/" + zid + "/dnssec"} {
		status, body := doRaw(t, srv, "GET", p, nil, "bad-token")
		if status != http.StatusForbidden {
			t.Fatalf("GET %s with a bad token: %d", p, status)
		}
		if err := sp.validate(sp.schemaFor(t, "GET", p, status), body); err != nil {
			t.Errorf("403 on %s does not conform: %v", p, err)
		}
	}
}

// TestConformance429 pins the one known deviation: Cloudflare's rate-limit code 971 (docs/cloudflare.md,
// Errors) is below the spec's "minimum": 1000 for error codes, and nothing else in the 429 body is out of
// spec.
func TestConformance429(t *testing.T) {
	sp := mustSpec(t)
	srv := newServer(t, cftest.WithRateLimit(1, 1<<40))
	doRaw(t, srv, "GET", "/client/v4/zones", nil, cftest.DefaultToken)
	status, body := doRaw(t, srv, "GET", "/client/v4/zones", nil, cftest.DefaultToken)
	if status != http.StatusTooManyRequests {
		t.Fatalf("status %d", status)
	}
	err := sp.validate(sp.schemaFor(t, "GET", "/client/v4/zones", status), body)
	vs := violations(err)
	if len(vs) != 1 || vs[0].at != "/errors/0/code" || !isMinimum(vs[0].kind, 971, 1000) {
		t.Fatalf("429 body: %v; want only the 971 code below the minimum of 1000", err)
	}
}

// TestSpecFailureSchemasContradict documents why schemaFor validates DNS-record and DNSSEC failures against
// the failure member of their allOf: the full 4xx schema rejects a correct failure body (and every other).
func TestSpecFailureSchemasContradict(t *testing.T) {
	sp := mustSpec(t)
	body := map[string]any{"success": false, "errors": []any{map[string]any{"code": 81058.0, "message": "An identical record already exists."}}, "messages": []any{}, "result": nil}
	for _, p := range []string{"/zones/{zone_id}/dns_records", "/zones/{zone_id}/dnssec"} {
		method := "post"
		if strings.HasSuffix(p, "dnssec") {
			method = "patch"
		}
		s, err := sp.responseSchema(p, method, 400)
		if err != nil {
			t.Fatal(err)
		}
		err = sp.validate(s, body)
		if !slices.ContainsFunc(violations(err), func(v violation) bool {
			e, ok := v.kind.(*kind.Enum)
			return ok && v.at == "/success" && len(e.Want) == 1 && e.Want[0] == true
		}) {
			t.Errorf("%s %s 4xx: expected the success-enum contradiction, got %v", method, p, err)
		}
	}
	// And the validator is not vacuous: a wrong failure body is rejected by the failure member, on the
	// code's type and on the missing message.
	bad := map[string]any{"success": false, "errors": []any{map[string]any{"code": "x"}}, "messages": []any{}, "result": nil}
	err := sp.validate(pointer("components", "schemas", "dns-records_api-response-common-failure"), bad)
	if vs := violations(err); len(vs) < 2 {
		t.Errorf("bad failure body: %v", err)
	}
}

func doRaw(t *testing.T, srv *cftest.Server, method, path string, body any, token string) (int, any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: decoding response: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// TestValidatorRejects guards against a vacuous validator: a conforming record list, mutated in ways the
// spec forbids, must fail.
func TestValidatorRejects(t *testing.T) {
	sp := mustSpec(t)
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	if _, err := srv.AddRecord("example.com", cftest.Record{Name: "example.com", Type: "MX", Content: "mx.example.net", Priority: 10}); err != nil {
		t.Fatal(err)
	}
	path := "/client/v4/zones/" + zid + "/dns_records"
	schema := sp.schemaFor(t, "GET", path, 200)
	const rec = "/result/0"
	for _, tt := range []struct {
		name   string
		mutate func(rec map[string]any)
		want   func(violation) bool
	}{
		{"MX without priority", func(r map[string]any) { delete(r, "priority") }, func(v violation) bool {
			k, ok := v.kind.(*kind.Required) // in the MX member of the record's oneOf
			return ok && v.at == rec && slices.Contains(k.Missing, "priority")
		}},
		{"TTL 5", func(r map[string]any) { r["ttl"] = 5.0 }, func(v violation) bool {
			return v.at == rec+"/ttl" && isMinimum(v.kind, 5, 30) // the first member of the TTL's anyOf
		}},
		{"no created_on", func(r map[string]any) { delete(r, "created_on") }, func(v violation) bool {
			k, ok := v.kind.(*kind.Required)
			return ok && v.at == rec && slices.Contains(k.Missing, "created_on")
		}},
		{"null comment", func(r map[string]any) { r["comment"] = nil }, func(v violation) bool {
			k, ok := v.kind.(*kind.Type) // comment is not nullable
			return ok && v.at == rec+"/comment" && k.Got == "null"
		}},
		{"bad date", func(r map[string]any) { r["modified_on"] = "yesterday" }, func(v violation) bool {
			k, ok := v.kind.(*kind.Format)
			return ok && v.at == rec+"/modified_on" && k.Want == "date-time"
		}},
	} {
		_, body := doRaw(t, srv, "GET", path+"?type=MX", nil, cftest.DefaultToken)
		if err := sp.validate(schema, body); err != nil {
			t.Fatalf("unmutated body fails: %v", err)
		}
		tt.mutate(body.(map[string]any)["result"].([]any)[0].(map[string]any))
		if err := sp.validate(schema, body); !slices.ContainsFunc(violations(err), tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// isMinimum reports whether k is a minimum violated by got, with the minimum want.
func isMinimum(k jsonschema.ErrorKind, got, want int64) bool {
	m, ok := k.(*kind.Minimum)
	return ok && m.Got.Cmp(big.NewRat(got, 1)) == 0 && m.Want.Cmp(big.NewRat(want, 1)) == 0
}
