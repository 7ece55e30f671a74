package cloudflare

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// virtualClock is a clock whose Sleep advances it instead of waiting. A
// test gives it to a Provider's transport and to a cftest.Server
// (cftest.WithClock), so that both see the same time and Cloudflare's
// five-minute block passes at once. Concurrent sleepers would each add
// their delay, as timers that fire late; the tests using it run one
// worker.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newVirtualClock() *virtualClock {
	return &virtualClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, 0))
	return nil
}

// spend sends n requests to srv as another client of the same token would
// (the dashboard, another tool), spending the server's budget.
func spend(t *testing.T, srv *cftest.Server, n int) {
	t.Helper()
	for range n {
		req, _ := http.NewRequest(http.MethodGet, srv.BaseURL()+"zones", nil)
		req.Header.Set("Authorization", "Bearer "+cftest.DefaultToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		discard(resp)
	}
}

// TestWaitsOutCloudflaresBlock: someone else spent the token's budget, so
// Cloudflare answers 429 and blocks the token for the rest of its
// five-minute window. The provider waits out the Retry-After it is given
// and then succeeds, without failing the run or retrying early.
func TestWaitsOutCloudflaresBlock(t *testing.T) {
	clk := newVirtualClock()
	srv := newServer(t, cftest.WithClock(clk.Now), cftest.WithRateLimit(2, 5*time.Minute))
	spend(t, srv, 2)
	srv.ResetLog()
	p := newTestProvider(t, srv, nil)
	p.c.tr.clock = clk
	start := clk.Now()
	if _, err := p.Records(context.Background(), testZone); err != nil {
		t.Fatalf("Records after a 429: %v", err)
	}
	log := srv.Requests()
	if len(log) < 2 || log[0].Status != http.StatusTooManyRequests || log[1].Status != http.StatusOK {
		t.Fatalf("log %+v, want a 429 and then success", log)
	}
	if gap := log[1].Time.Sub(log[0].Time); gap < 5*time.Minute {
		t.Errorf("retried %v after the 429, inside Cloudflare's five-minute block", gap)
	}
	if s := p.Stats(); s.RateLimited != 1 || s.Retries != 1 {
		t.Errorf("stats %+v, want one 429 and one retry", s)
	}
	t.Logf("waited %v of virtual time", clk.Now().Sub(start))
}

// TestPausesBeforeTheBudgetRunsOut: the server's Ratelimit header says the
// budget is spent; the provider waits for the window to reset instead of
// running into a 429, which on Cloudflare would block the token for five
// minutes.
func TestPausesBeforeTheBudgetRunsOut(t *testing.T) {
	clk := newVirtualClock()
	srv := newServer(t, cftest.WithClock(clk.Now), cftest.WithRateLimit(3, 5*time.Minute))
	p := newTestProvider(t, srv, nil) // its own budget is far above the server's
	p.c.tr.clock = clk
	for i := range 3 { // a lookup and three listings: one more than the window allows
		if _, err := p.Records(context.Background(), testZone); err != nil {
			t.Fatalf("Records %d: %v", i, err)
		}
	}
	log := srv.Requests()
	for _, r := range log {
		if r.Status != http.StatusOK {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	if len(log) != 4 {
		t.Fatalf("%d requests, want 4", len(log))
	}
	if gap := log[3].Time.Sub(log[0].Time); gap < 5*time.Minute {
		t.Errorf("fourth request %v after the first, inside the spent window", gap)
	}
	if s := p.Stats(); s.RateLimited != 0 || s.Retries != 0 {
		t.Errorf("stats %+v, want no 429 and no retry", s)
	}
}
