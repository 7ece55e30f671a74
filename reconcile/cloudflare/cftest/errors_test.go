package cftest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// chain returns the error_chain codes of the first error in a failure body.
func chain(t *testing.T, ae *cloudflare.Error) []int {
	t.Helper()
	var body struct {
		Errors []struct {
			ErrorChain []struct {
				Code int `json:"code"`
			} `json:"error_chain"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(ae.JSON.RawJSON()), &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("decoding %s: %v", ae.JSON.RawJSON(), err)
	}
	var codes []int
	for _, c := range body.Errors[0].ErrorChain {
		codes = append(codes, c.Code)
	}
	return codes
}

func TestRecordErrors(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	srv.AddZone("paid.example")
	if err := srv.SetPlan("paid.example", cftest.PlanPaid); err != nil {
		t.Fatal(err)
	}
	mustAdd := func(zone string, r cftest.Record) {
		t.Helper()
		if _, err := srv.AddRecord(zone, r); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd("example.com", cftest.Record{Name: "a.example.com", Type: "A", Content: "192.0.2.1", TTL: 300})
	mustAdd("example.com", cftest.Record{Name: "c.example.com", Type: "CNAME", Content: "target.example.net"})
	c := newSDK(t, srv)
	ctx := context.Background()
	create := func(zid string, body dns.RecordNewParamsBodyUnion) error {
		_, err := c.DNS.Records.New(ctx, dns.RecordNewParams{ZoneID: cloudflare.F(zid), Body: body})
		return err
	}
	aRec := func(name, content string, ttl float64) dns.ARecordParam {
		return dns.ARecordParam{Name: cloudflare.F(name), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F(content), TTL: cloudflare.F(dns.TTL(ttl))}
	}
	long := strings.Repeat("x", 101)

	tests := []struct {
		name      string
		zone      string
		body      dns.RecordNewParamsBodyUnion
		code      int
		wantChain int
	}{
		{"CNAME where A exists", zid, dns.CNAMERecordParam{Name: cloudflare.F("a.example.com"), Type: cloudflare.F(dns.CNAMERecordTypeCNAME), Content: cloudflare.F("x.example.net"), TTL: cloudflare.F(dns.TTL1)}, cftest.CodeCNAMEConflict, 0},
		{"CNAME where CNAME exists", zid, dns.CNAMERecordParam{Name: cloudflare.F("c.example.com"), Type: cloudflare.F(dns.CNAMERecordTypeCNAME), Content: cloudflare.F("y.example.net"), TTL: cloudflare.F(dns.TTL1)}, cftest.CodeCNAMEConflict, 0},
		{"A where CNAME exists", zid, aRec("c.example.com", "192.0.2.5", 1), cftest.CodeCNAMEExists, 0},
		{"identical A", zid, aRec("a.example.com", "192.0.2.1", 300), cftest.CodeIdenticalRecord, 0},
		{"same A other TTL", zid, aRec("a.example.com", "192.0.2.1", 600), cftest.CodeRecordExists, 0},
		{"proxied MX", zid, dns.MXRecordParam{Name: cloudflare.F("example.com"), Type: cloudflare.F(dns.MXRecordTypeMX), Content: cloudflare.F("mx.example.net"), Priority: cloudflare.F(10.0), TTL: cloudflare.F(dns.TTL1), Proxied: cloudflare.F(true)}, cftest.CodeValidation, cftest.CodeProxiedMode},
		{"TTL 30", zid, aRec("t.example.com", "192.0.2.1", 30), cftest.CodeValidation, cftest.CodeInvalidField},
		{"TTL 86401", zid, aRec("t.example.com", "192.0.2.1", 86401), cftest.CodeValidation, cftest.CodeInvalidField},
		{"comment 101 on free", zid, dns.ARecordParam{Name: cloudflare.F("k.example.com"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.1"), TTL: cloudflare.F(dns.TTL1), Comment: cloudflare.F(long)}, cftest.CodeValidation, cftest.CodeCommentTooLong},
		{"comment 501 on paid", "paid", dns.ARecordParam{Name: cloudflare.F("k.paid.example"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.1"), TTL: cloudflare.F(dns.TTL1), Comment: cloudflare.F(strings.Repeat("y", 501))}, cftest.CodeValidation, cftest.CodeCommentTooLong},
		{"name outside zone", zid, aRec("www.example.org", "192.0.2.1", 1), cftest.CodeInvalidName, 0},
		{"bad IPv4", zid, aRec("b.example.com", "192.0.2.300", 1), cftest.CodeInvalidIPv4, 0},
		{"tags on free", zid, dns.ARecordParam{Name: cloudflare.F("g.example.com"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.1"), TTL: cloudflare.F(dns.TTL1), Tags: cloudflare.F([]dns.RecordTagsParam{"owner:dns"})}, cftest.CodeValidation, cftest.CodeTagsNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := tt.zone
			if z == "paid" {
				z = srv.ZoneID("paid.example")
			}
			ae := apiErr(t, create(z, tt.body), http.StatusBadRequest, tt.code)
			if tt.wantChain != 0 {
				if got := chain(t, ae); len(got) != 1 || got[0] != tt.wantChain {
					t.Errorf("error_chain codes %v, want [%d]", got, tt.wantChain)
				}
			}
		})
	}
	// The same comment fits on a paid plan (500 characters, docs/cloudflare.md, Comments and tags), as do
	// tags.
	if err := create(srv.ZoneID("paid.example"), dns.ARecordParam{Name: cloudflare.F("k.paid.example"), Type: cloudflare.F(dns.ARecordTypeA),
		Content: cloudflare.F("192.0.2.1"), TTL: cloudflare.F(dns.TTL1), Comment: cloudflare.F(long), Tags: cloudflare.F([]dns.RecordTagsParam{"owner:dns"})}); err != nil {
		t.Fatalf("101-character comment on paid plan: %v", err)
	}
	// Nothing failed was stored: 2 NS + a + c.
	if n := len(srv.Records("example.com")); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
	// Cloudflare's apex NS records are read-only.
	ns := srv.Records("example.com")[2]
	if ns.Type != "NS" {
		for _, r := range srv.Records("example.com") {
			if r.Type == "NS" {
				ns = r
			}
		}
	}
	_, err := c.DNS.Records.Delete(ctx, ns.ID, dns.RecordDeleteParams{ZoneID: cloudflare.F(zid)})
	ae := apiErr(t, err, http.StatusBadRequest, cftest.CodeValidation)
	if got := chain(t, ae); len(got) != 1 || got[0] != cftest.CodeReadOnlyRecord {
		t.Errorf("deleting apex NS: chain %v", got)
	}
}

func TestAuth(t *testing.T) {
	srv := newServer(t)
	for _, tt := range []struct {
		header string
		status int
		code   int
	}{
		{"", http.StatusBadRequest, 6003},
		{"Bearer wrong", http.StatusForbidden, cftest.CodeAuthentication},
		{"Bearer " + cftest.DefaultToken, http.StatusOK, 0},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.BaseURL()+"zones", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Success bool `json:"success"`
			Errors  []struct {
				Code int `json:"code"`
			} `json:"errors"`
			Result any `json:"result"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tt.status {
			t.Fatalf("%q: status %d, %v", tt.header, resp.StatusCode, err)
		}
		if tt.code != 0 && (body.Success || len(body.Errors) != 1 || body.Errors[0].Code != tt.code || body.Result != nil) {
			t.Errorf("%q: body %+v, want code %d", tt.header, body, tt.code)
		}
	}
}

func TestBatchLimitAndAtomicity(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	victim, _ := srv.AddRecord("example.com", cftest.Record{Name: "victim.example.com", Type: "A", Content: "192.0.2.1"})
	before := srv.Records("example.com")
	c := newSDK(t, srv)
	ctx := context.Background()
	posts := func(n int) []dns.RecordBatchParamsPostUnion {
		var out []dns.RecordBatchParamsPostUnion
		for i := range n {
			out = append(out, dns.ARecordParam{Name: cloudflare.F(fmt.Sprintf("h%d.example.com", i)), Type: cloudflare.F(dns.ARecordTypeA),
				Content: cloudflare.F("192.0.2.1"), TTL: cloudflare.F(dns.TTL1)})
		}
		return out
	}

	// Free plan: 200 operations per batch (docs/cloudflare.md, Batches). 201 fails, 200 would pass.
	_, err := c.DNS.Records.Batch(ctx, dns.RecordBatchParams{ZoneID: cloudflare.F(zid), Posts: cloudflare.F(posts(201))})
	apiErr(t, err, http.StatusBadRequest, cftest.CodeBatchTooLarge)

	// One bad post (the 38th of 50: proxied MX) after a delete: nothing is applied, and the error names
	// the operation.
	ps := posts(50)
	ps[37] = dns.MXRecordParam{Name: cloudflare.F("example.com"), Type: cloudflare.F(dns.MXRecordTypeMX), Content: cloudflare.F("mx.example.net"),
		Priority: cloudflare.F(10.0), TTL: cloudflare.F(dns.TTL1), Proxied: cloudflare.F(true)}
	_, err = c.DNS.Records.Batch(ctx, dns.RecordBatchParams{ZoneID: cloudflare.F(zid),
		Deletes: cloudflare.F([]dns.RecordBatchParamsDelete{{ID: cloudflare.F(victim.ID)}}), Posts: cloudflare.F(ps)})
	ae := apiErr(t, err, http.StatusBadRequest, cftest.CodeValidation)
	if ae.Errors[0].Source.Pointer != "/posts/37" {
		t.Errorf("source.pointer %q, want /posts/37", ae.Errors[0].Source.Pointer)
	}
	after := srv.Records("example.com")
	if len(after) != len(before) {
		t.Fatalf("failed batch changed the zone: %d records before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID || before[i].Content != after[i].Content {
			t.Fatalf("record %d changed: %+v → %+v", i, before[i], after[i])
		}
	}

	// On a paid plan the same 201 posts pass.
	if err := srv.SetPlan("example.com", cftest.PlanPaid); err != nil {
		t.Fatal(err)
	}
	res, err := c.DNS.Records.Batch(ctx, dns.RecordBatchParams{ZoneID: cloudflare.F(zid), Posts: cloudflare.F(posts(201))})
	if err != nil || len(res.Posts) != 201 {
		t.Fatalf("paid batch of 201: %v", err)
	}
}
