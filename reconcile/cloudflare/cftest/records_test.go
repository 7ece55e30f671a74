package cftest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

func TestSDKCreateZone(t *testing.T) {
	srv := newServer(t)
	c := newSDK(t, srv)
	z, err := c.Zones.New(context.Background(), zones.ZoneNewParams{
		Account: cloudflare.F(zones.ZoneNewParamsAccount{ID: cloudflare.F(srv.AccountID())}),
		Name:    cloudflare.F("new.example"),
		Type:    cloudflare.F(zones.TypeFull),
	})
	if err != nil {
		t.Fatal(err)
	}
	// API-created zones start pending with two assigned name servers (docs/cloudflare.md, Zone status).
	if z.Status != zones.ZoneStatusPending || len(z.NameServers) != 2 || z.ID != srv.ZoneID("new.example") {
		t.Fatalf("got %+v", z)
	}
	recs := srv.Records("new.example")
	if len(recs) != 2 || recs[0].Type != "NS" || recs[0].Meta["read_only"] != true {
		t.Fatalf("apex records = %+v, want the two read-only NS records", recs)
	}
	_, err = c.Zones.New(context.Background(), zones.ZoneNewParams{
		Account: cloudflare.F(zones.ZoneNewParamsAccount{ID: cloudflare.F(srv.AccountID())}),
		Name:    cloudflare.F("new.example"),
	})
	apiErr(t, err, http.StatusBadRequest, cftest.CodeZoneExists)

	if err := srv.SetZoneStatus("new.example", cftest.StatusMoved); err != nil {
		t.Fatal(err)
	}
	got, err := c.Zones.Get(context.Background(), zones.ZoneGetParams{ZoneID: cloudflare.F(z.ID)})
	if err != nil || got.Status != zones.ZoneStatusMoved {
		t.Fatalf("after SetZoneStatus: %+v, %v", got, err)
	}
	list, err := c.Zones.List(context.Background(), zones.ZoneListParams{Status: cloudflare.F(zones.ZoneListParamsStatusMoved), Name: cloudflare.F("new.example")})
	if err != nil || len(list.Result) != 1 {
		t.Fatalf("list status=moved: %v, %v", list, err)
	}
	if err := srv.DeleteZone("new.example"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Zones.Get(context.Background(), zones.ZoneGetParams{ZoneID: cloudflare.F(z.ID)})
	apiErr(t, err, http.StatusBadRequest, cftest.CodeNoRoute)
}

func TestSDKZoneCreateLimit(t *testing.T) {
	srv := newServer(t, cftest.WithZoneCreateLimit(3, time.Hour))
	c := newSDK(t, srv)
	for i := range 4 {
		_, err := c.Zones.New(context.Background(), zones.ZoneNewParams{
			Account: cloudflare.F(zones.ZoneNewParamsAccount{ID: cloudflare.F(srv.AccountID())}),
			Name:    cloudflare.F(fmt.Sprintf("z%d.example", i)),
		})
		if i < 3 && err != nil {
			t.Fatalf("zone %d: %v", i, err)
		}
		if i == 3 {
			apiErr(t, err, http.StatusBadRequest, cftest.CodeZoneRateLimited)
		}
	}
}

// rawField returns a top-level field of an SDK response's raw JSON.
func rawField(t *testing.T, raw string, field string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	return m[field]
}

func TestSDKRecordCRUD(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	c := newSDK(t, srv)
	ctx := context.Background()

	a, err := c.DNS.Records.New(ctx, dns.RecordNewParams{ZoneID: cloudflare.F(zid), Body: dns.ARecordParam{
		Name: cloudflare.F("WWW.Example.com"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.1"),
		TTL: cloudflare.F(dns.TTL(300)), Proxied: cloudflare.F(true), Comment: cloudflare.F("managed"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Names are stored lower-case; proxied records read back with TTL 1 (docs/cloudflare.md, TTL).
	if a.Name != "www.example.com" || a.TTL != 1 || !a.Proxied || !a.Proxiable || a.Comment != "managed" || len(a.ID) != 32 {
		t.Fatalf("created %+v", a)
	}

	mx, err := c.DNS.Records.New(ctx, dns.RecordNewParams{ZoneID: cloudflare.F(zid), Body: dns.MXRecordParam{
		Name: cloudflare.F("example.com"), Type: cloudflare.F(dns.MXRecordTypeMX), Content: cloudflare.F("mx.example.net"),
		Priority: cloudflare.F(10.0), TTL: cloudflare.F(dns.TTL(3600)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK decodes every record as A and loses priority (docs/cloudflare.md, "Every record is decoded as
	// an A record"); the server must still send it.
	if p := rawField(t, mx.JSON.RawJSON(), "priority"); p != 10.0 {
		t.Fatalf("raw priority = %v, want 10 in %s", p, mx.JSON.RawJSON())
	}

	srv2, err := c.DNS.Records.New(ctx, dns.RecordNewParams{ZoneID: cloudflare.F(zid), Body: dns.SRVRecordParam{
		Name: cloudflare.F("_sip._tcp.example.com"), Type: cloudflare.F(dns.SRVRecordTypeSRV), TTL: cloudflare.F(dns.TTL1),
		Data: cloudflare.F(dns.SRVRecordDataParam{Priority: cloudflare.F(10.0), Weight: cloudflare.F(5.0),
			Port: cloudflare.F(5060.0), Target: cloudflare.F("sip.example.com")}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := rawField(t, srv2.JSON.RawJSON(), "data").(map[string]any)
	if srv2.Content != "5 5060 sip.example.com" || data["port"] != 5060.0 || data["target"] != "sip.example.com" ||
		rawField(t, srv2.JSON.RawJSON(), "priority") != 10.0 {
		t.Fatalf("SRV content %q raw %s", srv2.Content, srv2.JSON.RawJSON())
	}

	caa, err := c.DNS.Records.New(ctx, dns.RecordNewParams{ZoneID: cloudflare.F(zid), Body: dns.CAARecordParam{
		Name: cloudflare.F("example.com"), Type: cloudflare.F(dns.CAARecordTypeCAA), TTL: cloudflare.F(dns.TTL1),
		Data: cloudflare.F(dns.CAARecordDataParam{Flags: cloudflare.F(0.0), Tag: cloudflare.F("issue"), Value: cloudflare.F("letsencrypt.org")}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if caa.Content != `0 issue "letsencrypt.org"` {
		t.Fatalf("CAA content %q", caa.Content)
	}

	// PATCH changes only what it sends.
	p, err := c.DNS.Records.Edit(ctx, a.ID, dns.RecordEditParams{ZoneID: cloudflare.F(zid), Body: dns.ARecordParam{
		Content: cloudflare.F("192.0.2.2"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Content != "192.0.2.2" || p.Comment != "managed" || !p.Proxied || p.Name != "www.example.com" {
		t.Fatalf("patched %+v", p)
	}
	// PUT overwrites: unspecified fields take their defaults (docs/cloudflare.md, Batches).
	u, err := c.DNS.Records.Update(ctx, a.ID, dns.RecordUpdateParams{ZoneID: cloudflare.F(zid), Body: dns.ARecordParam{
		Name: cloudflare.F("www.example.com"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.3"), TTL: cloudflare.F(dns.TTL(120)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Content != "192.0.2.3" || u.Comment != "" || u.Proxied || u.TTL != 120 || u.ID != a.ID {
		t.Fatalf("put %+v", u)
	}
	g, err := c.DNS.Records.Get(ctx, a.ID, dns.RecordGetParams{ZoneID: cloudflare.F(zid)})
	if err != nil || g.Content != "192.0.2.3" {
		t.Fatalf("get %+v %v", g, err)
	}
	if _, err := c.DNS.Records.Delete(ctx, a.ID, dns.RecordDeleteParams{ZoneID: cloudflare.F(zid)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DNS.Records.Get(ctx, a.ID, dns.RecordGetParams{ZoneID: cloudflare.F(zid)})
	apiErr(t, err, http.StatusNotFound, cftest.CodeRecordNotFound)

	// 2 apex NS + MX + SRV + CAA remain.
	if n := len(srv.Records("example.com")); n != 5 {
		t.Fatalf("%d records left, want 5", n)
	}
}

func TestSDKListRecordsPaging(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("big.example")
	// 49 + the 2 apex NS records = 51: one more than a page of 50. The page size proves nothing by being
	// large; the one a client asks for is served whole (below).
	const perPage = 50
	for i := range perPage - 1 {
		if _, err := srv.AddRecord("big.example", cftest.Record{Name: fmt.Sprintf("h%04d.big.example", i), Type: "A", Content: "192.0.2.1", TTL: 1}); err != nil {
			t.Fatal(err)
		}
	}
	c := newSDK(t, srv)
	it := c.DNS.Records.ListAutoPaging(context.Background(), dns.RecordListParams{ZoneID: cloudflare.F(zid), PerPage: cloudflare.F(float64(perPage))})
	seen := map[string]bool{}
	for it.Next() {
		seen[it.Current().ID] = true
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != perPage+1 {
		t.Fatalf("listed %d distinct records, want %d", len(seen), perPage+1)
	}
	// page 1 (50), page 2 (1), page 3 (empty, ends the AutoPager).
	if got := srv.Count(cftest.KindListRecords); got != 3 {
		t.Errorf("list calls = %d, want 3", got)
	}
	// A page as large as zoneward asks for (5,000) holds them all, and says so.
	srv.ResetLog()
	var raw []byte
	if _, err := c.DNS.Records.List(context.Background(), dns.RecordListParams{ZoneID: cloudflare.F(zid), PerPage: cloudflare.F(5000.0)},
		option.WithResponseBodyInto(&raw)); err != nil {
		t.Fatal(err)
	}
	var all struct {
		Result     []json.RawMessage `json:"result"`
		ResultInfo struct {
			PerPage    int `json:"per_page"`
			TotalCount int `json:"total_count"`
		} `json:"result_info"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Result) != perPage+1 || all.ResultInfo.PerPage != 5000 || all.ResultInfo.TotalCount != perPage+1 {
		t.Errorf("per_page 5000: %d records, result_info %+v", len(all.Result), all.ResultInfo)
	}
	// Filters: name.exact and type, as the SDK encodes them (docs/cloudflare.md, Listing records).
	page, err := c.DNS.Records.List(context.Background(), dns.RecordListParams{ZoneID: cloudflare.F(zid),
		Name: cloudflare.F(dns.RecordListParamsName{Exact: cloudflare.F("h0042.big.example")}), Type: cloudflare.F(dns.RecordListParamsTypeA)})
	if err != nil || len(page.Result) != 1 || page.Result[0].Name != "h0042.big.example" {
		t.Fatalf("filtered list: %+v %v", page, err)
	}
	page, err = c.DNS.Records.List(context.Background(), dns.RecordListParams{ZoneID: cloudflare.F(zid), Type: cloudflare.F(dns.RecordListParamsTypeNS)})
	if err != nil || len(page.Result) != 2 {
		t.Fatalf("apex NS records listed: %+v %v", page, err)
	}
}

func TestSDKBatch(t *testing.T) {
	srv := newServer(t)
	zid := srv.AddZone("example.com")
	del, _ := srv.AddRecord("example.com", cftest.Record{Name: "old.example.com", Type: "A", Content: "192.0.2.9"})
	pat, _ := srv.AddRecord("example.com", cftest.Record{Name: "p.example.com", Type: "A", Content: "192.0.2.1", Comment: "keep"})
	put, _ := srv.AddRecord("example.com", cftest.Record{Name: "api.example.com", Type: "CNAME", Content: "old.example.net", Comment: "drop"})
	c := newSDK(t, srv)
	res, err := c.DNS.Records.Batch(context.Background(), dns.RecordBatchParams{
		ZoneID:  cloudflare.F(zid),
		Deletes: cloudflare.F([]dns.RecordBatchParamsDelete{{ID: cloudflare.F(del.ID)}}),
		Patches: cloudflare.F([]dns.BatchPatchUnionParam{dns.BatchPatchARecordParam{
			ID: cloudflare.F(pat.ID), ARecordParam: dns.ARecordParam{Content: cloudflare.F("192.0.2.2")}}}),
		Puts: cloudflare.F([]dns.BatchPutUnionParam{dns.BatchPutCNAMERecordParam{ID: cloudflare.F(put.ID),
			CNAMERecordParam: dns.CNAMERecordParam{Name: cloudflare.F("api.example.com"), Type: cloudflare.F(dns.CNAMERecordTypeCNAME),
				Content: cloudflare.F("lb.example.net"), TTL: cloudflare.F(dns.TTL(300)), Proxied: cloudflare.F(true)}}}),
		Posts: cloudflare.F([]dns.RecordBatchParamsPostUnion{
			dns.TXTRecordParam{Name: cloudflare.F("_acme.example.com"), Type: cloudflare.F(dns.TXTRecordTypeTXT),
				Content: cloudflare.F("\"hello\""), TTL: cloudflare.F(dns.TTL(120))},
			// A post may reuse the name a delete in the same batch freed: deletes run first
			// (docs/cloudflare.md, Batches).
			dns.ARecordParam{Name: cloudflare.F("old.example.com"), Type: cloudflare.F(dns.ARecordTypeA), Content: cloudflare.F("192.0.2.9"), TTL: cloudflare.F(dns.TTL1)},
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deletes) != 1 || res.Deletes[0].ID != del.ID || len(res.Patches) != 1 || res.Patches[0].Content != "192.0.2.2" ||
		res.Patches[0].Comment != "keep" || len(res.Puts) != 1 || res.Puts[0].Content != "lb.example.net" || res.Puts[0].Comment != "" ||
		res.Puts[0].TTL != 1 || len(res.Posts) != 2 {
		t.Fatalf("batch result %+v", res)
	}
	// 2 NS + patched + put + 2 posts.
	if n := len(srv.Records("example.com")); n != 6 {
		t.Fatalf("%d records after batch, want 6", n)
	}
	if got := srv.Count(cftest.KindBatch); got != 1 {
		t.Fatalf("batch count %d", got)
	}
}
