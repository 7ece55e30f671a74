package cftest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// TestMain removes the CLOUDFLARE_* variables that cloudflare.NewClient reads before its options
// (docs/cloudflare.md, "The client reads the environment"), so that none can add headers or change the base
// URL of the clients these tests build. It does so once for the process, rather than with t.Setenv in each
// test, so that tests that wait on the SDK's own sleeps can run in parallel.
func TestMain(m *testing.M) {
	for _, k := range []string{"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL",
		"CLOUDFLARE_API_USER_SERVICE_KEY", "CLOUDFLARE_CUSTOM_HEADERS"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// newSDK returns a cloudflare-go client for srv with retries off, so every test sees each response.
func newSDK(t *testing.T, srv *cftest.Server, opts ...option.RequestOption) *cloudflare.Client {
	t.Helper()
	return cloudflare.NewClient(append([]option.RequestOption{
		option.WithBaseURL(srv.BaseURL()),
		option.WithAPIToken(cftest.DefaultToken),
		option.WithMaxRetries(0),
	}, opts...)...)
}

func newServer(t *testing.T, opts ...cftest.Option) *cftest.Server {
	t.Helper()
	srv := cftest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// apiErr asserts err is a Cloudflare API error with the given HTTP status and first error code.
func apiErr(t *testing.T, err error, status, code int) *cloudflare.Error {
	t.Helper()
	var ae *cloudflare.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want *cloudflare.Error with status %d code %d", err, status, code)
	}
	if ae.StatusCode != status || len(ae.Errors) == 0 || int(ae.Errors[0].Code) != code {
		t.Fatalf("got status %d errors %+v, want status %d code %d\nbody: %s", ae.StatusCode, ae.Errors, status, code, ae.JSON.RawJSON())
	}
	return ae
}

func TestSDKListZonesPaging(t *testing.T) {
	srv := newServer(t)
	for i := range 120 {
		srv.AddZone(fmt.Sprintf("z%03d.example", i))
	}
	c := newSDK(t, srv)
	ctx := context.Background()
	it := c.Zones.ListAutoPaging(ctx, zones.ZoneListParams{PerPage: cloudflare.F(50.0)})
	var names []string
	for it.Next() {
		z := it.Current()
		if z.Status != zones.ZoneStatusActive || len(z.NameServers) != 2 {
			t.Errorf("zone %s: status %q name servers %v", z.Name, z.Status, z.NameServers)
		}
		names = append(names, z.Name)
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if len(names) != 120 || names[0] != "z000.example" || names[119] != "z119.example" {
		t.Fatalf("got %d zones (%v … ), want 120 in name order", len(names), names[:min(3, len(names))])
	}
	// 3 pages of 50, 50, 20 plus the empty page the AutoPager needs to stop (docs/cloudflare.md, The
	// auto-pager).
	if got := srv.Count(cftest.KindListZones); got != 4 {
		t.Errorf("list calls = %d, want 4", got)
	}
	page, err := c.Zones.List(ctx, zones.ZoneListParams{PerPage: cloudflare.F(50.0), Page: cloudflare.F(3.0)})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		ResultInfo struct {
			Page       int `json:"page"`
			PerPage    int `json:"per_page"`
			Count      int `json:"count"`
			TotalCount int `json:"total_count"`
			TotalPages int `json:"total_pages"`
		} `json:"result_info"`
	}
	if err := json.Unmarshal([]byte(page.JSON.RawJSON()), &body); err != nil {
		t.Fatal(err)
	}
	ri := body.ResultInfo
	if len(page.Result) != 20 || ri.Page != 3 || ri.PerPage != 50 || ri.Count != 20 || ri.TotalCount != 120 || ri.TotalPages != 3 {
		t.Errorf("page 3: %d zones, result_info %+v; want 20 zones, page 3 per_page 50 count 20 total_count 120 total_pages 3", len(page.Result), ri)
	}
}
