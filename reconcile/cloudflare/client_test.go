package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoneward/zoneward/reconcile"
)

func TestRatelimitHeader(t *testing.T) {
	items := ratelimitItems([]string{`"default";r=50;t=30`, `"burst";r=0;t=2, "other";q=5`})
	if len(items) != 2 || items[0] != (ratelimitItem{50, 30 * time.Second}) || items[1] != (ratelimitItem{0, 2 * time.Second}) {
		t.Errorf("items %+v", items)
	}
	if got := ratelimitItems([]string{"garbage", `"x";r=-1`}); len(got) != 0 {
		t.Errorf("garbage parsed as %+v", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "7")
	if d := retryAfter(h, time.Hour, now); d != 7*time.Second {
		t.Errorf("Retry-After 7: %v", d)
	}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if d := retryAfter(h, time.Hour, now); d != 90*time.Second {
		t.Errorf("Retry-After as a date 90 s ahead: %v", d)
	}
	h.Set("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat))
	if d := retryAfter(h, time.Hour, now); d != 0 {
		t.Errorf("Retry-After as a date in the past: %v", d)
	}
	h = http.Header{}
	h.Set("Ratelimit", `"default";r=0;t=12`)
	if d := retryAfter(h, time.Hour, now); d != 12*time.Second {
		t.Errorf("Ratelimit reset: %v", d)
	}
	// Nothing to go by: Cloudflare blocks for the whole window.
	if d := retryAfter(http.Header{}, 5*time.Minute, now); d != 5*time.Minute {
		t.Errorf("no header: %v", d)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/client/v4/zones", kindZonesList},
		{"POST", "/client/v4/zones", kindZoneCreate},
		{"GET", "/client/v4/zones/abc", kindZonesGet},
		{"GET", "/client/v4/zones/abc/dns_records", kindRecordsList},
		{"POST", "/client/v4/zones/abc/dns_records/batch", kindBatch},
		{"GET", "/client/v4/zones/abc/dnssec", kindDNSSEC},
		{"PATCH", "/client/v4/zones/abc/dnssec", kindDNSSEC},
		{"GET", "/client/v4/user", kindOther},
	} {
		if got := classify(c.method, c.path); got != c.want {
			t.Errorf("classify(%s %s) = %d, want %d", c.method, c.path, got, c.want)
		}
	}
}

// stamps is an http.RoundTripper below transport that answers 200 at once
// and records when each request was sent. It stands for the network, not
// for Cloudflare: what is tested is the pacing above it. Nothing below the
// transport touches a socket, so the tests that use it run in a
// testing/synctest bubble: every wait of the transport (token bucket,
// pauses, backoff) runs on the bubble's virtual clock, and the times
// recorded are exact.
type stamps struct {
	mu    sync.Mutex
	times []time.Time
	reply func(n int) *http.Response // n: 0-based request number
}

func (s *stamps) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := len(s.times)
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	if s.reply != nil {
		if r := s.reply(n); r != nil {
			return r, nil
		}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func maxInWindow(ts []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func TestLimiterKeepsEveryWindowWithinBudget(t *testing.T) {
	synctest.Test(t, testLimiterKeepsEveryWindowWithinBudget)
}

func testLimiterKeepsEveryWindowWithinBudget(t *testing.T) {
	const n, window = 10, 400 * time.Millisecond
	base := &stamps{}
	tr := newTransport(base, n, window)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 4 {
				req, _ := http.NewRequest("GET", "http://cf.invalid/client/v4/zones", nil)
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				discard(resp)
			}
		})
	}
	wg.Wait()
	if got := maxInWindow(base.times, window); got > n {
		t.Errorf("%d requests in one %v window, budget %d", got, window, n)
	}
	if s := tr.stats(); s.ZonesList != 32 || s.Total != 32 {
		t.Errorf("stats %+v", s)
	}
}

func TestTransportWaitsOutA429ForEveryone(t *testing.T) {
	synctest.Test(t, testTransportWaitsOutA429ForEveryone)
}

func testTransportWaitsOutA429ForEveryone(t *testing.T) {
	base := &stamps{reply: func(n int) *http.Response {
		if n == 0 {
			h := http.Header{}
			h.Set("Retry-After", "1")
			return &http.Response{StatusCode: 429, Header: h, Body: io.NopCloser(strings.NewReader(`{"success":false}`))}
		}
		return nil
	}}
	tr := newTransport(base, 1000, time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 50 * time.Millisecond) // the first request gets the 429
			req, _ := http.NewRequest("GET", "http://cf.invalid/client/v4/zones/z/dns_records", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("request %d: %v %v", i, resp, err)
				return
			}
			discard(resp)
		})
	}
	wg.Wait()
	// Every request after the 429 waited for its Retry-After, not only the
	// one that got it.
	for i, ts := range base.times[1:] {
		if ts.Sub(start) < 950*time.Millisecond {
			t.Errorf("request %d sent %v after the 429, before Retry-After", i+1, ts.Sub(start))
		}
	}
	if s := tr.stats(); s.RateLimited != 1 || s.Retries != 1 || s.RecordsList != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestTransportPausesWhenRatelimitRunsOut(t *testing.T) {
	synctest.Test(t, testTransportPausesWhenRatelimitRunsOut)
}

func testTransportPausesWhenRatelimitRunsOut(t *testing.T) {
	base := &stamps{reply: func(n int) *http.Response {
		h := http.Header{}
		if n == 0 {
			h.Set("Ratelimit", `"default";r=0;t=1`) // budget spent by someone else
		}
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
	}}
	tr := newTransport(base, 1000, time.Second)
	for range 2 {
		req, _ := http.NewRequest("GET", "http://cf.invalid/client/v4/zones", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		discard(resp)
	}
	if gap := base.times[1].Sub(base.times[0]); gap < 950*time.Millisecond {
		t.Errorf("second request %v after the first, before the reset", gap)
	}
}

func TestTransportRetries(t *testing.T) { synctest.Test(t, testTransportRetries) }

func testTransportRetries(t *testing.T) {
	fail := func(status int, times int) func(int) *http.Response {
		return func(n int) *http.Response {
			if n < times {
				return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}"))}
			}
			return nil
		}
	}
	for _, c := range []struct {
		name, method  string
		status, fails int
		wantSent      int
		wantStatus    int
	}{
		{"GET 503 twice", "GET", 503, 2, 3, 200},
		{"GET 500 forever", "GET", 500, 99, maxAttempts, 500},
		{"POST 502 is not replayed", "POST", 502, 1, 1, 502},
		{"POST 429 is", "POST", 429, 1, 2, 200},
		{"GET 400 is final", "GET", 400, 1, 1, 400},
		{"GET 409 is final", "GET", 409, 1, 1, 409},
	} {
		base := &stamps{reply: fail(c.status, c.fails)}
		tr := newTransport(base, 1000, time.Second)
		tr.backoff = time.Millisecond
		req, _ := http.NewRequest(c.method, "http://cf.invalid/client/v4/zones/z/dns_records/batch", strings.NewReader(`{"posts":[]}`))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		discard(resp)
		if len(base.times) != c.wantSent || resp.StatusCode != c.wantStatus {
			t.Errorf("%s: sent %d, status %d; want %d, %d", c.name, len(base.times), resp.StatusCode, c.wantSent, c.wantStatus)
		}
	}
}

func TestBatchParamsBody(t *testing.T) {
	mk := func(r reconcile.Record) body {
		b, err := toBody(r, free)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	put := mk(reconcile.Record{Name: "a.example.com.", Type: "A", TTL: 300, Value: "192.0.2.2", File: "zones/example.com.yaml"})
	put.ID = "rec1"
	ops := []op{
		{kind: "delete", id: "rec0"},
		{kind: "update", id: "rec1", body: put},
		{kind: "create", body: mk(reconcile.Record{Name: "_s._tcp.example.com.", Type: "SRV", TTL: 1, AutoTTL: true, Value: "1 2 3 t.example.com.", File: "zones/example.com.yaml"})},
	}
	params, err := batchParams("zone1", ops)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := params.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	want := `{"deletes":[{"id":"rec0"}],` +
		`"posts":[{"comment":"zoneward:zones/example.com.yaml","data":{"port":3,"priority":1,"target":"t.example.com","weight":2},"name":"_s._tcp.example.com","ttl":1,"type":"SRV"}],` +
		`"puts":[{"comment":"zoneward:zones/example.com.yaml","content":"192.0.2.2","id":"rec1","name":"a.example.com","proxied":false,"ttl":300,"type":"A"}]}`
	var w any
	_ = json.Unmarshal([]byte(want), &w)
	g1, _ := json.Marshal(got)
	w1, _ := json.Marshal(w)
	if string(g1) != string(w1) {
		t.Errorf("batch body\n got %s\nwant %s", g1, w1)
	}
}

func TestAPIErrorQuotesAndUnwrapsChain(t *testing.T) {
	c, m, ok := innermost(`[{"code":9021,"message":"Invalid","error_chain":[{"code":9005,"message":"bad \u001b[31m"}]}]`)
	if !ok || c != 9005 || m != "bad \x1b[31m" {
		t.Fatalf("innermost = %d %q %v", c, m, ok)
	}
	e := &APIError{Status: 400, Code: 9005, Outer: 1004, Message: m}
	if s := e.Error(); strings.Contains(s, "\x1b") || !strings.Contains(s, "9005") {
		t.Errorf("Error() = %q", s)
	}
	if temporary(context.Canceled) || !temporary(errors.New("reset")) || temporary(&APIError{Status: 400}) || !temporary(&APIError{Status: 502}) {
		t.Error("temporary misclassifies")
	}
}
