package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
	"github.com/zoneward/zoneward/schema"
)

// run is one reconciler run with a fresh Provider: read, diff, apply. It
// returns the changes it attempted and the Apply error; a read error is
// returned as is.
func run(t *testing.T, srv *cftest.Server, zone string, desired []reconcile.Record) (reconcile.Changes, error) {
	t.Helper()
	return runBatches(t, srv, zone, desired, 0)
}

// runBatches is run with batches of at most batchOps operations (0: the
// plan's limit).
func runBatches(t *testing.T, srv *cftest.Server, zone string, desired []reconcile.Record, batchOps int) (reconcile.Changes, error) {
	t.Helper()
	p := newTestProvider(t, srv, nil)
	if batchOps > 0 {
		p.limits.BatchOps = batchOps
	}
	ctx := context.Background()
	actual, err := p.Records(ctx, zone)
	if err != nil {
		return reconcile.Changes{}, err
	}
	files := map[string]*reconcile.FileInfo{testFile: {Path: testFile, Zone: zone, State: reconcile.FileActive}}
	norm := make([]reconcile.Record, len(desired))
	for i, r := range desired {
		norm[i] = p.Normalize(r)
	}
	zp := reconcile.Diff(&reconcile.Zone{Name: zone, Records: norm}, actual, files, schema.DefaultConfig().Policy)
	return zp.Changes, p.Apply(ctx, zone, zp.Changes)
}

// checkExactly asserts that the zone at the server holds exactly desired
// (besides Cloudflare's apex NS), each once.
func checkExactly(t *testing.T, srv *cftest.Server, desired []reconcile.Record) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range srv.Records(testZone) {
		if r.Type == "NS" && r.Name == "example.com" {
			continue
		}
		seen[r.Name+" "+r.Type+" "+r.Content]++
	}
	if len(seen) != len(desired) {
		t.Errorf("zone holds %d distinct records, want %d", len(seen), len(desired))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", k, n)
		}
	}
}

func manyRecords(t *testing.T, n int, value string) []reconcile.Record {
	var out []reconcile.Record
	for i := range n {
		out = append(out, rec(t, fmt.Sprintf("f%03d.example.com.", i), "A", value))
	}
	return out
}

// faultState is the k-th desired state of TestFaultsConverge: 30 names, of
// which a different fifth is absent each time (creates and deletes), with
// values moving (updates) and a seventh switching between A and CNAME
// (type changes at one name).
func faultState(t *testing.T, k int) []reconcile.Record {
	var out []reconcile.Record
	for i := range 30 {
		if (i+k)%5 == 0 {
			continue
		}
		name := fmt.Sprintf("f%02d.example.com.", i)
		if (i+k)%7 == 0 {
			out = append(out, rec(t, name, "CNAME", fmt.Sprintf("t%d.example.net.", k%3)))
			continue
		}
		out = append(out, rec(t, name, "A", fmt.Sprintf("192.0.2.%d", (i+k)%4+1)))
	}
	return out
}

// TestFaultsConverge: with 10% of requests failing (5xx, dropped
// connections, 429s), repeated runs reach each desired state with no
// record lost or duplicated, and no fault is reported as a rejection.
// Batches are cut at 8 operations so that each apply takes several and
// type changes straddle batches.
func TestFaultsConverge(t *testing.T) {
	var requests, faults, batchFaults int
	for seed := range uint64(3) {
		srv := newServer(t)
		srv.SetFault(cftest.RandomFaults(seed, 0.10))
		for k := range 12 {
			desired := faultState(t, k)
			runs := 0
			for ; runs < 30; runs++ {
				ch, err := runBatches(t, srv, testZone, desired, 8)
				var rej *reconcile.RejectedError
				if errors.As(err, &rej) {
					t.Fatalf("seed %d state %d run %d: a transient fault was reported as a rejection: %v", seed, k, runs, err)
				}
				if err == nil && ch.Empty() {
					break
				}
			}
			if runs == 30 {
				t.Fatalf("seed %d: state %d did not converge in 30 runs", seed, k)
			}
			checkExactly(t, srv, desired)
		}
		for _, r := range srv.Requests() {
			requests++
			if r.Dropped || r.Status >= 500 || r.Status == http.StatusTooManyRequests {
				faults++
				if r.Kind == cftest.KindBatch {
					batchFaults++
				}
			}
		}
	}
	if batchFaults == 0 {
		t.Error("no batch request was faulted; the test proves nothing about writes")
	}
	t.Logf("%d requests, %d faulted, %d of them batches", requests, faults, batchFaults)
}

// TestAmbiguousBatchThatLanded: the batch's connection drops, but its
// effects are already in the zone (as when Cloudflare committed it and the
// answer was lost). Apply must see that and send nothing again: no
// duplicate, no "record not found", no rejection.
func TestAmbiguousBatchThatLanded(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	ctx := context.Background()
	old := rec(t, "old.example.com.", "A", "192.0.2.1")
	upd := rec(t, "upd.example.com.", "A", "192.0.2.1")
	converge(t, p, testZone, []reconcile.Record{old, upd})
	actual, _ := p.Records(ctx, testZone)
	var oldID, updID string
	for _, r := range actual {
		switch r.Name {
		case old.Name:
			oldID = r.ID
		case upd.Name:
			updID = r.ID
		}
	}
	newRec := rec(t, "new.example.com.", "A", "192.0.2.3")
	upd2 := rec(t, upd.Name, "A", "192.0.2.2")
	ch := reconcile.Changes{
		Delete: []reconcile.Record{{Name: old.Name, Type: "A", ID: oldID}},
		Update: []reconcile.Update{{Old: reconcile.Record{Name: upd.Name, Type: "A", ID: updID}, New: upd2}},
		Create: []reconcile.Record{newRec},
	}
	// Land the batch behind the provider's back, then drop its own.
	other := newTestProvider(t, srv, nil)
	if err := other.Apply(ctx, testZone, ch); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	srv.SetFault(func(r *http.Request) cftest.Fault {
		return cftest.Fault{Drop: r.Method == http.MethodPost}
	})
	if err := p.Apply(ctx, testZone, ch); err != nil {
		t.Fatalf("Apply after a lost answer: %v", err)
	}
	if n := srv.Count(cftest.KindBatch); n != 1 {
		t.Errorf("%d batch requests, want only the dropped one", n)
	}
	checkExactly(t, srv, []reconcile.Record{upd2, newRec})
}

func TestCancelledApplyIsCompletedByTheNextRun(t *testing.T) {
	srv := newServer(t)
	desired := manyRecords(t, 500, "192.0.2.1") // three batches on Free
	p := newTestProvider(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := plan(t, p, testZone, desired)
	// The run is cancelled while Cloudflare holds its second batch, as when
	// the process is stopped mid-request: whether that batch lands is then
	// up to Cloudflare.
	var posts atomic.Int32
	srv.SetFault(func(r *http.Request) cftest.Fault {
		if r.Method == http.MethodPost && posts.Add(1) == 2 {
			cancel()
			return cftest.Fault{Latency: 80 * time.Millisecond}
		}
		return cftest.Fault{}
	})
	err := p.Apply(ctx, testZone, ch)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Apply: %v", err)
	}
	t.Logf("cancelled: %v", err)
	// The next run starts once Cloudflare is done with what was sent (the
	// held batch is logged when its handler returns). One that raced a
	// batch still in flight would plan creates that the batch then makes,
	// and have them refused as identical records until the run after.
	for deadline := time.Now().Add(10 * time.Second); srv.Count(cftest.KindBatch) < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the held batch was never answered")
		}
	}
	if n := len(srv.Records(testZone)) - 2; n == 0 || n == len(desired) {
		t.Fatalf("%d records after the cancelled apply, want part of %d", n, len(desired))
	}
	srv.SetFault(nil)
	if _, err := run(t, srv, testZone, desired); err != nil {
		t.Fatalf("next run: %v", err)
	}
	if ch, err := run(t, srv, testZone, desired); err != nil || !ch.Empty() {
		t.Fatalf("third run: %+v, %v", ch, err)
	}
	checkExactly(t, srv, desired)
}

// TestSharedBudget: 20 workers on one Provider against a server allowing
// n requests per window never exceed n in any window and never see a 429.
func TestSharedBudget(t *testing.T) {
	const n, window = 20, 500 * time.Millisecond
	srv := cftest.NewServer(cftest.WithRateLimit(n, window))
	t.Cleanup(srv.Close)
	for i := range 5 {
		srv.AddZone(fmt.Sprintf("z%d.example", i))
	}
	p := newTestProvider(t, srv, func(o *Options) { o.Rate = Rate{Requests: n, Per: window} })
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 20 {
		wg.Go(func() {
			zone := fmt.Sprintf("z%d.example.", w%5)
			if _, err := p.Records(ctx, zone); err != nil {
				t.Error(err)
				return
			}
			r := rec(t, fmt.Sprintf("w%d.%s", w, zone), "A", "192.0.2.1")
			if err := p.Apply(ctx, zone, reconcile.Changes{Create: []reconcile.Record{r}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.MaxPerWindow(window); got > n {
		t.Errorf("%d requests in one %v window, budget %d", got, window, n)
	}
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			t.Errorf("429 on %s %s", r.Method, r.Path)
		}
	}
	s := p.Stats()
	if s.RateLimited != 0 || s.Batch != 20 || s.RecordsList != 20 || s.ZonesList != 5 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("%d requests, at most %d in any %v window (budget %d); stats %+v", len(srv.Requests()), srv.MaxPerWindow(window), window, n, s)
}
