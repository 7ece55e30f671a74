package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// TestDaemonQueue checks that runs never overlap and that any number of
// triggers during a run fold into one follow-up run.
func TestDaemonQueue(t *testing.T) {
	d := newDaemon(&runner{}, "main", []byte("s"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	var running, maxRunning, calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	d.fetch = func(ctx context.Context) (string, error) {
		n := running.Add(1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		calls.Add(1)
		started <- struct{}{}
		<-release
		running.Add(-1)
		return "", errors.New("test: no repository")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.loop(ctx) }()

	d.trigger(runIncremental)
	<-started // the first run is in progress
	for i := 0; i < 5; i++ {
		d.trigger(runIncremental)
	}
	d.trigger(runSweep)
	release <- struct{}{} // end run 1
	<-started             // the one follow-up run
	d.mu.Lock()
	queued := d.pending
	d.mu.Unlock()
	release <- struct{}{}
	select {
	case <-started:
		t.Errorf("a third run started: triggers during a run must fold into one follow-up")
		release <- struct{}{}
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	wg.Wait()
	if calls.Load() != 2 || maxRunning.Load() != 1 {
		t.Errorf("runs = %d (want 2), most at once = %d (want 1)", calls.Load(), maxRunning.Load())
	}
	if queued != 0 {
		t.Errorf("pending after the follow-up started = %v", queued)
	}
	m := scrape(t, d)
	if !strings.Contains(m, `zoneward_reconcile_runs_total{kind="incremental",result="error"} 1`) ||
		!strings.Contains(m, `zoneward_reconcile_runs_total{kind="sweep",result="error"} 1`) {
		t.Errorf("want one failed run of each kind (a sweep absorbs incrementals):\n%s", m)
	}
}

type budgeted struct{ reconcile.Provider }

func (budgeted) Budget() (int, time.Duration) { return 1200, 5 * time.Minute }

func TestSweepBatchFor(t *testing.T) {
	// Cloudflare's 1,200 per 5 minutes, swept every 15 minutes: 3,600
	// requests between runs, four fifths of them for the sweep.
	if got := sweepBatchFor(budgeted{}, 15*time.Minute); got != 2880 {
		t.Errorf("batch = %d, want 2880", got)
	}
	if got := sweepBatchFor(budgeted{}, 0); got != 0 {
		t.Errorf("no interval: batch = %d, want 0 (every zone)", got)
	}
	if got := sweepBatchFor(reconciletest.NewMemory(), time.Hour); got != 0 {
		t.Errorf("a provider without a budget: batch = %d, want 0", got)
	}
}

// TestSweepZones: sweeps walk the estate a batch at a time, and a zone
// whose file lost its grant is swept at once, whatever the batch.
func TestSweepZones(t *testing.T) {
	dir := newRepo(t)
	r, err := newRunner(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	d := newDaemon(r, "main", []byte("s"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.sweepBatch = 2
	// A sweep is a run whose zones the daemon picks from the listed
	// repository: the zones it planned are the batch.
	sweep := func() []string {
		t.Helper()
		out, err := r.run(context.Background(), runOptions{rev: "main", pick: d.sweepZones})
		if err != nil {
			t.Fatal(err)
		}
		var zs []string
		for _, zp := range out.plan.Zones {
			zs = append(zs, zp.Zone)
		}
		return zs
	}
	var got [][]string
	for i := 0; i < 3; i++ {
		got = append(got, sweep())
	}
	want := [][]string{{"acme.dev.", "bakery.example."}, {"example.com.", "example.org."}, {"acme.dev.", "bakery.example."}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sweeps = %v, want %v", got, want)
	}
	edit(t, dir, ".github/CODEOWNERS", "/zones/example.org.yaml         @bob @acme/dns-admins\n", "")
	commitAll(t, dir, "revoke bob")
	if zs := sweep(); fmt.Sprint(zs) != "[example.com. example.org.]" {
		t.Errorf("after revoking bob: %v, want the next batch, which holds example.org.", zs)
	}
	edit(t, dir, ".github/CODEOWNERS", "/zones/example.com.yaml         @alice @acme/dns-admins\n", "")
	commitAll(t, dir, "revoke alice")
	zs := sweep()
	if fmt.Sprint(zs) != "[acme.dev. bakery.example. example.com.]" {
		t.Errorf("after revoking alice: %v, want her zone added to the batch", zs)
	}
}

// scrape returns what the daemon's /metrics answers.
func scrape(t *testing.T, d *daemon) string {
	t.Helper()
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestSweepRetriesWhatFailed: a zone a sweep failed to apply is swept
// again by the next sweep, whatever the batch.
func TestSweepRetriesWhatFailed(t *testing.T) {
	dir := newRepo(t)
	r, err := newRunner(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	// bob's file breaks: example.org's apply fails (its file is held back).
	edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "not-an-address")
	commitAll(t, dir, "bob's typo")
	only := func(z string) func(*loaded, []string) []string {
		return func(*loaded, []string) []string { return []string{z} }
	}
	out, err := r.run(context.Background(), runOptions{rev: "main", apply: true, pick: only("example.org.")})
	if err != nil {
		t.Fatal(err)
	}
	if out.result.Err() == nil {
		t.Fatal("the sweep of the broken zone did not fail")
	}
	out, err = r.run(context.Background(), runOptions{rev: "main", pick: only("acme.dev.")})
	if err != nil {
		t.Fatal(err)
	}
	var planned []string
	for _, zp := range out.plan.Zones {
		planned = append(planned, zp.Zone)
	}
	if fmt.Sprint(planned) != "[acme.dev. example.org.]" {
		t.Errorf("the next sweep planned %v, want its batch and the zone that failed", planned)
	}
}
