package cftest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

func get(t *testing.T, srv *cftest.Server, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.BaseURL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+cftest.DefaultToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestRateLimit(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, cftest.WithClock(clk.Now), cftest.WithRateLimit(5, 2*time.Second))
	for i := range 5 {
		resp := get(t, srv, "zones")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		// Sent on every response (docs/cloudflare.md, Rate limits).
		if got, want := resp.Header.Get("Ratelimit"), `"default";r=`+string(rune('4'-i))+";t=2"; got != want {
			t.Errorf("request %d Ratelimit %q, want %q", i, got, want)
		}
		if got := resp.Header.Get("Ratelimit-Policy"); got != `"default";q=5;w=2` {
			t.Errorf("Ratelimit-Policy %q", got)
		}
		if resp.Header.Get("Retry-After") != "" {
			t.Errorf("Retry-After on an admitted request")
		}
	}
	clk.Advance(500 * time.Millisecond)
	c := newSDK(t, srv)
	_, err := c.Zones.List(context.Background(), zones.ZoneListParams{})
	ae := apiErr(t, err, http.StatusTooManyRequests, cftest.CodeRateLimited)
	// 1.5 s left in the window, rounded up.
	if ra := ae.Response.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	if rl := ae.Response.Header.Get("Ratelimit"); rl != `"default";r=0;t=2` {
		t.Errorf("Ratelimit on 429 %q", rl)
	}
	clk.Advance(1500 * time.Millisecond)
	if resp := get(t, srv, "zones"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the window: %d", resp.StatusCode)
	}
	if got := srv.WindowCounts(2 * time.Second); len(got) != 2 || got[0] != 6 || got[1] != 1 {
		t.Errorf("WindowCounts %v, want [6 1]", got)
	}
	if got := srv.MaxPerWindow(2 * time.Second); got != 6 {
		t.Errorf("MaxPerWindow %d, want 6", got)
	}
}

func TestRateLimitConcurrent(t *testing.T) {
	srv := newServer(t, cftest.WithRateLimit(100, time.Hour))
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 10 {
				switch get(t, srv, "zones").StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 100 || limited.Load() != 100 {
		t.Fatalf("%d admitted, %d limited; want 100 and 100", ok.Load(), limited.Load())
	}
	if got := srv.MaxPerWindow(time.Hour); got != 200 {
		t.Errorf("MaxPerWindow %d, want 200", got)
	}
	if got := len(srv.Requests()); got != 200 {
		t.Errorf("%d logged, want 200", got)
	}
}

// TestRetryAfterHonoured shows the SDK, allowed to retry, waits out a 429 and succeeds: the server's
// Retry-After is what it sleeps on (docs/cloudflare.md, Retries).
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel() // it waits a real second in the SDK
	srv := newServer(t, cftest.WithRateLimit(1, time.Second))
	c := newSDK(t, srv, option.WithMaxRetries(2))
	start := time.Now()
	for range 2 {
		if _, err := c.Zones.List(context.Background(), zones.ZoneListParams{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Requests(); len(got) != 3 || got[1].Status != http.StatusTooManyRequests {
		t.Fatalf("log %+v, want ok, 429, ok", got)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("second call returned after %v, before the window reset", el)
	}
}

func TestFaultStatus(t *testing.T) {
	srv := newServer(t)
	srv.SetFault(func(r *http.Request) cftest.Fault {
		if strings.HasSuffix(r.URL.Path, "/zones") {
			return cftest.Fault{Status: http.StatusServiceUnavailable}
		}
		return cftest.Fault{}
	})
	_, err := newSDK(t, srv).Zones.List(context.Background(), zones.ZoneListParams{})
	var ae *cloudflare.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v, want 503", err)
	}
	srv.SetFault(nil)
	if _, err := newSDK(t, srv).Zones.List(context.Background(), zones.ZoneListParams{}); err != nil {
		t.Fatalf("after clearing the fault: %v", err)
	}
}

func TestFaultDrop(t *testing.T) {
	srv := newServer(t)
	var n atomic.Int64
	// Drop the first attempt only: the SDK retries transport errors (docs/cloudflare.md, Retries).
	srv.SetFault(func(*http.Request) cftest.Fault {
		if n.Add(1) == 1 {
			return cftest.Fault{Drop: true}
		}
		return cftest.Fault{}
	})
	_, err := newSDK(t, srv).Zones.List(context.Background(), zones.ZoneListParams{})
	var ae *cloudflare.Error
	if err == nil || errors.As(err, &ae) {
		t.Fatalf("got %v, want a transport error", err)
	}
	log := srv.Requests()
	if len(log) != 1 || !log[0].Dropped || log[0].Status != 0 {
		t.Fatalf("log %+v", log)
	}
	if _, err := newSDK(t, srv, option.WithMaxRetries(1)).Zones.List(context.Background(), zones.ZoneListParams{}); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

func TestFaultLatencyAndClose(t *testing.T) {
	srv := cftest.NewServer()
	srv.SetFault(func(*http.Request) cftest.Fault { return cftest.Fault{Latency: 150 * time.Millisecond} })
	start := time.Now()
	if resp := get(t, srv, "zones"); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("answered after %v, want at least 150ms", el)
	}

	// Close cuts injected latency short and waits for the request in flight.
	srv.SetFault(func(*http.Request) cftest.Fault { return cftest.Fault{Latency: time.Hour} })
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodGet, srv.BaseURL()+"zones", nil)
		req.Header.Set("Authorization", "Bearer "+cftest.DefaultToken)
		if resp, err := srv.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// Wait until the request has arrived (arrivals count at once; the log is written on completion).
	for srv.MaxPerWindow(time.Hour) < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	srv.Close()
	if got := len(srv.Requests()); got != 2 {
		t.Errorf("after Close, %d requests logged; Close returned before the in-flight one finished", got)
	}
	<-done
}

func TestRandomFaults(t *testing.T) {
	t.Parallel() // it waits out the SDK's real backoff
	f1, f2 := cftest.RandomFaults(7, 0.1), cftest.RandomFaults(7, 0.1)
	kinds := map[string]int{}
	for i := range 2000 {
		a, b := f1(nil), f2(nil)
		if a != b {
			t.Fatalf("request %d: same seed gave %+v and %+v", i, a, b)
		}
		switch {
		case a.Drop:
			kinds["drop"]++
		case a.Status == http.StatusTooManyRequests:
			kinds["429"]++
		case a.Status >= 500:
			kinds["5xx"]++
		}
	}
	total := kinds["drop"] + kinds["429"] + kinds["5xx"]
	if total < 140 || total > 260 || kinds["drop"] == 0 || kinds["429"] == 0 || kinds["5xx"] == 0 {
		t.Fatalf("fault mix %v over 2000 requests, want about 10%% of each kind", kinds)
	}

	// Against the server, a retrying SDK client still gets every page through 10% faults. The ten listings
	// run at once: the SDK's backoff (half a second and more) sleeps in each, and nothing here depends on
	// their order.
	srv := newServer(t)
	for i := range 60 {
		srv.AddZone(strings.Repeat("a", i%5+1) + string(rune('a'+i%26)) + ".example" + strings.Repeat("x", i/26))
	}
	srv.SetFault(cftest.RandomFaults(1, 0.1))
	c := newSDK(t, srv, option.WithMaxRetries(5))
	var n atomic.Int64
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			it := c.Zones.ListAutoPaging(context.Background(), zones.ZoneListParams{PerPage: cloudflare.F(5.0)})
			for it.Next() {
				n.Add(1)
			}
			if err := it.Err(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n.Load() != 600 {
		t.Fatalf("listed %d zones over 10 runs, want 600", n.Load())
	}
	failed := 0
	for _, r := range srv.Requests() {
		if r.Status != http.StatusOK {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no request failed")
	}
}
