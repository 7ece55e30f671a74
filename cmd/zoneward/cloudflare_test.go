package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoneward/zoneward/cmd/zonegen/estate"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// withCloudflare switches the example repository to the Cloudflare
// configuration of zones-example, pointed at an in-process API server.
func withCloudflare(t *testing.T, dir string) *cftest.Server {
	t.Helper()
	srv := cftest.NewServer()
	t.Cleanup(srv.Close)
	data, err := os.ReadFile(filepath.Join(dir, "zoneward.cloudflare.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), `account_id: "9a7806061c88ada191ed06f989cc3dac"`,
		`account_id: "`+srv.AccountID()+`"`+"\n  base_url: "+srv.BaseURL(), 1)
	write(t, dir, "zoneward.yaml", cfg)
	commitAll(t, dir, "run on Cloudflare")
	return srv
}

func TestCloudflareEndToEnd(t *testing.T) {
	t.Parallel()
	dir := newRepo(t)
	srv := withCloudflare(t, dir)
	// A record someone made by hand in the dashboard: zoneward leaves it.
	srv.AddZone("example.org")
	if _, err := srv.AddRecord("example.org", cftest.Record{Name: "legacy.example.org", Type: "A", Content: "192.0.2.250", TTL: 300}); err != nil {
		t.Fatal(err)
	}
	mustZW(t, dir, "check")
	out := mustZW(t, dir, "apply", "--rev", "main", "--stats")
	if !strings.Contains(out, "Provider requests:") {
		t.Errorf("--stats printed no request counts:\n%s", out)
	}
	if code, plan, errOut := zw(t, dir, "plan", "--rev", "main", "--detailed-exitcode"); code != 0 {
		t.Fatalf("second plan: exit %d\n%s%s", code, plan, errOut)
	}
	var legacy, marked int
	for _, r := range srv.Records("example.org") {
		switch {
		case r.Name == "legacy.example.org":
			legacy++
			if r.Comment != "" {
				t.Errorf("the unmanaged record was marked: %q", r.Comment)
			}
		case strings.HasPrefix(r.Comment, "zoneward:zones/example.org.yaml"):
			marked++
		}
	}
	if legacy != 1 || marked != 10 {
		t.Errorf("example.org at Cloudflare: %d unmanaged (want 1), %d marked (want 10)", legacy, marked)
	}
	for _, r := range srv.Records("acme.dev") {
		if strings.Contains(r.Name, "mallory") {
			t.Errorf("revoked tenant's record at Cloudflare: %+v", r)
		}
	}

	// New zones were created pending; status tells the Domain Owner what to set.
	var st struct {
		Zones []struct {
			Zone, State string
			Nameservers []string
			DS          []string
		}
	}
	_, js, _ := zw(t, dir, "status", "--format", "json")
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	for _, z := range st.Zones {
		if z.Zone == "example.com." && (z.State != "pending" || len(z.Nameservers) != 2) {
			t.Errorf("status of a created zone: %+v", z)
		}
	}

	// The Domain Owner points example.com away: it is withdrawn, never written.
	if err := srv.SetZoneStatus("example.com", "moved"); err != nil {
		t.Fatal(err)
	}
	edit(t, dir, "zones/example.com.yaml", "192.0.2.20", "192.0.2.21")
	commitAll(t, dir, "edit a withdrawn zone")
	srv.ResetLog()
	code, out, _ := zw(t, dir, "apply", "--rev", "main", "--zone", "example.com")
	if !strings.Contains(out, "withdrawn") {
		t.Errorf("apply does not say the zone is withdrawn (exit %d):\n%s", code, out)
	}
	if n := srv.Count(cftest.KindBatch); n != 0 {
		t.Errorf("%d batch writes to a withdrawn zone", n)
	}
	_, out, _ = zw(t, dir, "status", "--zone", "example.com")
	if !strings.Contains(out, "withdrawn") {
		t.Errorf("status does not show the withdrawn zone:\n%s", out)
	}
}

// TestCloudflareFaultsConverge: with 10% of requests failing (5xx, dropped
// connections, 429s), applying 200 zones converges over repeated runs with
// no record lost and none duplicated; and a run killed halfway is completed
// by the next.
func TestCloudflareFaultsConverge(t *testing.T) {
	t.Parallel() // it waits out the SDK's own retries
	if testing.Short() {
		t.Skip("200 zones through the SDK")
	}
	srv := cftest.NewServer(cftest.WithRateLimit(1_000_000, time.Second), cftest.WithZoneCreateLimit(1_000_000, time.Minute))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "estate")
	e, err := estate.Generate(dir, estate.Options{Zones: 200, Records: 10, Seed: 3, Provider: estate.ProviderCloudflare,
		AccountID: srv.AccountID(), BaseURL: srv.BaseURL(), ProviderExtra: "rate: {requests: 1000000, per: 1s}\n"})
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range append(e.Zones(), e.CompanyZones()...) {
		srv.AddZone(strings.TrimSuffix(z, "."))
	}
	apply := func(ctx context.Context) (*runOutcome, error) {
		r, err := newRunner(dir, "main") // a fresh process each run
		if err != nil {
			t.Fatal(err)
		}
		return r.run(ctx, runOptions{rev: "main", apply: true, force: true})
	}

	// A run killed halfway: the context is cancelled after 40 batches.
	ctx, cancel := context.WithCancel(context.Background())
	var batches atomic.Int32
	srv.SetFault(func(r *http.Request) cftest.Fault {
		if strings.HasSuffix(r.URL.Path, "/dns_records/batch") && batches.Add(1) == 40 {
			cancel()
		}
		return cftest.Fault{}
	})
	if out, err := apply(ctx); err == nil && out.result.Err() == nil {
		t.Fatalf("the killed run reported success")
	}
	cancel()

	// Then runs under 10% faults until one applies cleanly with nothing left to do.
	srv.SetFault(cftest.RandomFaults(7, 0.10))
	converged := false
	for run := 0; run < 20 && !converged; run++ {
		out, err := apply(context.Background())
		converged = err == nil && out.result.Err() == nil && !out.plan.HasChanges()
	}
	if !converged {
		t.Fatal("200 zones did not converge in 20 runs under 10% faults")
	}
	srv.SetFault(nil)
	out, err := apply(context.Background())
	if err != nil || out.plan.HasChanges() {
		t.Fatalf("after convergence: %v, changes %v", err, out.plan.HasChanges())
	}
	// Every desired record exactly once: the plan is empty, and no zone
	// holds a managed record twice.
	total := 0
	for _, z := range append(e.Zones(), e.CompanyZones()...) {
		seen := map[string]bool{}
		for _, r := range srv.Records(strings.TrimSuffix(z, ".")) {
			if !strings.HasPrefix(r.Comment, "zoneward:") {
				continue
			}
			k := r.Name + " " + r.Type + " " + r.Content + fmt.Sprint(r.Data)
			if seen[k] {
				t.Errorf("%s: %s stored twice", z, k)
			}
			seen[k] = true
			total++
		}
	}
	if want := e.Records() - revokedRecords(t, out); total != want {
		t.Errorf("%d managed records at Cloudflare, want %d", total, want)
	}
}

// revokedRecords counts the records of revoked files, which are never applied.
func revokedRecords(t *testing.T, out *runOutcome) int {
	t.Helper()
	n := 0
	for _, f := range out.plan.Files {
		if f.State != reconcile.FileActive {
			n += f.Records
		}
	}
	return n
}
