package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cf "github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"
	"golang.org/x/time/rate"
)

// client is the part of the SDK the provider uses, built so that every
// request, retries included, goes through one [transport].
type client struct {
	zones   *zones.ZoneService
	records *dns.RecordService
	dnssec  *dns.DNSSECService
	tr      *transport
	perPage int // records per listing page: recordsPerPage; tests page with fewer
}

// newClient builds the SDK services over tr. It does not use
// cloudflare.NewClient, whose DefaultClientOptions read CLOUDFLARE_BASE_URL,
// CLOUDFLARE_API_KEY, CLOUDFLARE_EMAIL and CLOUDFLARE_CUSTOM_HEADERS from
// the environment (docs/cloudflare.md, "The client reads the environment"):
// an ambient variable must not redirect the token or add credentials to our
// requests.
func newClient(baseURL, token string, tr *transport) *client {
	opts := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithAPIToken(token),
		option.WithHTTPClient(&http.Client{Transport: tr}),
		// The SDK's own retry loop (v7.9.0: 2 retries; docs/cloudflare.md,
		// Retries) sleeps in the calling goroutine only, retries 409 and
		// replays a batch POST
		// whose first attempt may have been applied. transport retries
		// instead: through the shared limiter, pausing every worker on a
		// 429, and never replaying a write that may have landed.
		option.WithMaxRetries(0),
	}
	return &client{
		zones:   zones.NewZoneService(opts...),
		records: dns.NewRecordService(opts...),
		dnssec:  dns.NewDNSSECService(opts...),
		tr:      tr,
		perPage: recordsPerPage,
	}
}

// Stats counts the HTTP requests a [Provider] sent, by kind. Retries and
// 429s are also counted in their kind; Total is every request.
type Stats struct {
	ZonesList   int `json:"zones_list"`
	ZonesGet    int `json:"zones_get"`
	ZoneCreate  int `json:"zone_create"`
	RecordsList int `json:"records_list"`
	Batch       int `json:"batch"`
	DNSSEC      int `json:"dnssec"`
	Other       int `json:"other"`
	Retries     int `json:"retries"`      // requests that repeated an earlier attempt
	RateLimited int `json:"rate_limited"` // responses with status 429
	Total       int `json:"total"`
}

// Request kinds, the index into transport.counts.
const (
	kindZonesList = iota
	kindZonesGet
	kindZoneCreate
	kindRecordsList
	kindBatch
	kindDNSSEC
	kindOther
	kindRetry
	kind429
	nKinds
)

// classify names the API operation of a request from its method and path
// (docs/cloudflare.md, Endpoints).
func classify(method, path string) int {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	i := len(seg) - 1
	for i >= 0 && seg[i] != "zones" {
		i--
	}
	if i < 0 {
		return kindOther
	}
	seg = seg[i:]
	switch {
	case len(seg) == 1 && method == http.MethodGet:
		return kindZonesList
	case len(seg) == 1 && method == http.MethodPost:
		return kindZoneCreate
	case len(seg) == 2 && method == http.MethodGet:
		return kindZonesGet
	case len(seg) == 3 && seg[2] == "dns_records" && method == http.MethodGet:
		return kindRecordsList
	case len(seg) == 4 && seg[2] == "dns_records" && seg[3] == "batch":
		return kindBatch
	case len(seg) == 3 && seg[2] == "dnssec":
		return kindDNSSEC
	}
	return kindOther
}

// Retry bounds. Three retries (four attempts) with backoff of 0.5, 1 and
// 2 s outlast a connection reset or an edge 5xx blip; a longer outage is
// left to the next run, which completes an interrupted apply (see
// Provider.Apply). The numbers follow the SDK's own defaults (v7.9.0:
// 0.5 s × 2^n; docs/cloudflare.md, Retries), minus the retry of 409, which
// is a conflict, not a blip.
const (
	maxAttempts = 4
	backoffBase = 500 * time.Millisecond
	backoffMax  = 8 * time.Second
)

// slack lengthens the budget's window so that jitter between the moment
// we send and the moment Cloudflare counts (scheduling, the network)
// cannot put one request too many in its window: 2%, and at least 100 ms.
func slack(window time.Duration) time.Duration {
	return window + max(window/50, 100*time.Millisecond)
}

// transport is the one path of every request to Cloudflare. It spends the
// process-wide budget, obeys Cloudflare's Ratelimit and Retry-After headers
// by pausing every request, retries transient failures, and counts what it
// sends.
//
// The budget is enforced twice. A token bucket (burst 1, refilled at
// (requests-1) per window) spreads requests evenly, so a burst of workers
// does not spend a window's budget in its first second. A log of the last
// requests send times is the guarantee: a request is sent only when fewer
// than requests were sent in the window before it, measured when it
// actually leaves, after any late timer wake-up.
type transport struct {
	base    http.RoundTripper
	clock   clock
	limiter *rate.Limiter
	window  time.Duration // the budget's window: how long a 429 without Retry-After blocks
	backoff time.Duration // first retry delay; tests shorten it

	inflight atomic.Int64
	counts   [nKinds]atomic.Int64

	mu     sync.Mutex  // guards the fields below
	paused time.Time   // no request starts before this instant
	sent   []time.Time // ring of the last send times, at most the budget's requests
	next   int         // index in sent of the oldest entry once sent is full
	budget int         // requests per window
	span   time.Duration
}

// newTransport returns a transport spending at most requests per window
// over base.
func newTransport(base http.RoundTripper, requests int, window time.Duration) *transport {
	span := slack(window)
	r := rate.Limit(float64(max(requests-1, 1)) / span.Seconds())
	return &transport{
		base:    base,
		clock:   systemClock{},
		limiter: rate.NewLimiter(r, 1),
		window:  window,
		backoff: backoffBase,
		budget:  requests,
		span:    span,
	}
}

func (t *transport) stats() Stats {
	c := func(k int) int { return int(t.counts[k].Load()) }
	s := Stats{
		ZonesList: c(kindZonesList), ZonesGet: c(kindZonesGet), ZoneCreate: c(kindZoneCreate),
		RecordsList: c(kindRecordsList), Batch: c(kindBatch), DNSSEC: c(kindDNSSEC), Other: c(kindOther),
		Retries: c(kindRetry), RateLimited: c(kind429),
	}
	s.Total = s.ZonesList + s.ZonesGet + s.ZoneCreate + s.RecordsList + s.Batch + s.DNSSEC + s.Other
	return s
}

// RoundTrip sends req, waiting for the budget and retrying:
//   - 429: always (the request was refused, not processed), after the
//     pause it sets for every worker;
//   - 5xx and transport errors: for GET, PUT, PATCH and DELETE, which are
//     idempotent here; for POST (batch, zone creation) only when the
//     connection was never made, because a POST that reached Cloudflare may
//     have been applied. The provider resolves those itself (Apply checks
//     what landed before resubmitting).
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	kind := classify(req.Method, req.URL.Path)
	replayable := req.Method != http.MethodPost
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		if err := t.wait(ctx); err != nil {
			return nil, err
		}
		t.counts[kind].Add(1)
		if attempt > 0 {
			t.counts[kindRetry].Add(1)
		}
		t.inflight.Add(1)
		resp, err := t.base.RoundTrip(r)
		others := t.inflight.Add(-1)
		last := attempt+1 >= maxAttempts
		if err != nil {
			if ctx.Err() != nil || last || !(replayable || notSent(err)) {
				return nil, err
			}
			if err := t.clock.Sleep(ctx, t.delay(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		t.observe(resp.Header, others)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			t.counts[kind429].Add(1)
			t.pauseFor(retryAfter(resp.Header, t.window, t.clock.Now()))
			if last {
				return resp, nil
			}
		case resp.StatusCode >= 500 && replayable && !last:
			if err := t.clock.Sleep(ctx, t.delay(attempt)); err != nil {
				discard(resp)
				return nil, err
			}
		default:
			return resp, nil
		}
		discard(resp)
	}
}

// wait blocks until no pause is in force, the token bucket grants a token
// and the send log has room, then records the send.
func (t *transport) wait(ctx context.Context) error {
	now := t.clock.Now()
	token := t.limiter.ReserveN(now, 1) // always OK: one token, burst 1, a finite rate
	if err := t.clock.Sleep(ctx, token.DelayFrom(now)); err != nil {
		token.CancelAt(t.clock.Now())
		return err
	}
	for {
		t.mu.Lock()
		now := t.clock.Now()
		d := t.paused.Sub(now)
		if d <= 0 {
			if len(t.sent) < t.budget {
				t.sent = append(t.sent, now)
				t.mu.Unlock()
				return nil
			}
			oldest := t.sent[t.next]
			if d = t.span - now.Sub(oldest); d <= 0 {
				t.sent[t.next] = now
				t.next = (t.next + 1) % t.budget
				t.mu.Unlock()
				return nil
			}
		}
		t.mu.Unlock()
		if err := t.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// pauseFor stops every request from starting for d.
func (t *transport) pauseFor(d time.Duration) {
	until := t.clock.Now().Add(d)
	t.mu.Lock()
	if until.After(t.paused) {
		t.paused = until
	}
	t.mu.Unlock()
}

// observe reads Cloudflare's Ratelimit header ("default";r=50;t=30: the
// remaining quota and the seconds until the window resets, changelog
// 2025-09-03, https://developers.cloudflare.com/fundamentals/api/reference/limits/).
// The budget is per token, so the dashboard or another tool may spend it
// too. When what remains would be used up by the requests already in
// flight, every worker waits for the reset instead of running into a 429,
// which on Cloudflare blocks the token for five minutes.
func (t *transport) observe(h http.Header, inflight int64) {
	for _, item := range ratelimitItems(h.Values("Ratelimit")) {
		if item.remaining <= inflight {
			t.pauseFor(item.reset)
		}
	}
}

type ratelimitItem struct {
	remaining int64
	reset     time.Duration
}

// ratelimitItems parses Ratelimit header values: comma-separated items,
// each a quoted name followed by ;r=<remaining>;t=<seconds>
// (draft-ietf-httpapi-ratelimit-headers, as Cloudflare sends it). Items
// without r are ignored.
func ratelimitItems(values []string) []ratelimitItem {
	var out []ratelimitItem
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			it := ratelimitItem{remaining: -1}
			for _, p := range strings.Split(item, ";")[1:] {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok {
					continue
				}
				n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				switch k {
				case "r":
					it.remaining = n
				case "t":
					it.reset = time.Duration(n) * time.Second
				}
			}
			if it.remaining >= 0 {
				out = append(out, it)
			}
		}
	}
	return out
}

// retryAfter is how long a 429 asks us to wait: Retry-After (the seconds
// until capacity returns), else the Ratelimit reset, else the whole window,
// since Cloudflare blocks "all API calls for the next five minutes" after
// the limit is exceeded (docs/cloudflare.md, Rate limits).
func retryAfter(h http.Header, window time.Duration, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return time.Duration(n * float64(time.Second))
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(0, at.Sub(now))
		}
	}
	var d time.Duration
	for _, it := range ratelimitItems(h.Values("Ratelimit")) {
		if it.remaining == 0 {
			d = max(d, it.reset)
		}
	}
	if d > 0 {
		return d
	}
	return window
}

// delay is the backoff before retry attempt+1: base·2^attempt, capped,
// less up to a quarter of jitter so that workers failing together do not
// retry together.
func (t *transport) delay(attempt int) time.Duration {
	d := min(t.backoff<<attempt, backoffMax)
	if q := int64(d / 4); q > 0 {
		d -= time.Duration(rand.Int64N(q))
	}
	return d
}

// notSent reports whether err proves the request never reached the
// server, so that even a POST may be sent again.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
}

// clock is the transport's time: when a request may leave, and how long a
// pause or a backoff lasts. Production runs on the system clock. Tests
// that go through cftest share a virtual clock between the transport and
// the server, so that waiting out Cloudflare's five-minute block takes no
// real time.
type clock interface {
	Now() time.Time
	// Sleep returns after d, or with ctx's error once ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// APIError is an error answer from Cloudflare: its HTTP status and the
// first entry of the envelope's errors, with the innermost code of its
// error_chain when there is one (1004 "DNS Validation Error" wraps the
// specific failure; docs/cloudflare.md, Errors).
type APIError struct {
	Status  int
	Code    int    // the specific code: the innermost error_chain entry, else the error's own
	Message string // its message
	Outer   int    // the error's own code when Code came from its error_chain, else 0
	Pointer string // errors[0].source.pointer: the part of the request refused, e.g. "/posts/3"
	err     error
}

func (e *APIError) Error() string {
	if e.Outer != 0 {
		return fmt.Sprintf("cloudflare: HTTP %d: error %d (%d): %q", e.Status, e.Code, e.Outer, e.Message)
	}
	return fmt.Sprintf("cloudflare: HTTP %d: error %d: %q", e.Status, e.Code, e.Message)
}

func (e *APIError) Unwrap() error { return e.err }

// apiError turns the SDK's error into an *APIError, or returns err as it
// is when it is not an answer from the API (a transport failure, ctx).
// The SDK's own message includes the URL and the raw body; ours keeps to
// codes and Cloudflare's message, quoted because it may echo record data.
func apiError(err error) error {
	var ce *cf.Error
	if !errors.As(err, &ce) {
		return err
	}
	e := &APIError{Status: ce.StatusCode, err: err}
	if len(ce.Errors) == 0 {
		e.Message = http.StatusText(ce.StatusCode)
		return e
	}
	first := ce.Errors[0]
	e.Code, e.Message, e.Pointer = int(first.Code), first.Message, first.Source.Pointer
	if chain, ok := first.JSON.ExtraFields["error_chain"]; ok {
		if c, m, ok := innermost(chain.Raw()); ok {
			e.Outer, e.Code, e.Message = e.Code, c, m
		}
	}
	return e
}

// temporary reports whether err may go away by itself: a 5xx, a 429 that
// outlasted our retries, or a failure below HTTP. A 4xx is a refusal.
func temporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == http.StatusTooManyRequests
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Page sizes (docs/cloudflare.md, Listing records, Listing zones). Records:
// per_page may be up to 5,000,000; 5,000 reads the largest zone a plan
// allows (3,500 records) in one request while keeping a response to a few
// megabytes. Zones: per_page is at most 50.
const (
	recordsPerPage = 5000
	zonesPerPage   = 50
)

// listRecords returns every record of zoneID, decoded from the raw JSON
// (see apiRecord). It pages with List, not ListAutoPaging: the auto-pager
// fetches later pages with context.Background, ignoring cancellation, and
// always asks for one empty page more (docs/cloudflare.md, "The
// auto-pager"). It stops at a short page or when total_count says the last
// page has been read.
//
// The response body is taken raw (option.WithResponseBodyInto) rather
// than through the SDK's page type: besides the A-record defect, the SDK's
// union decoding costs more CPU than a sweep of thousands of zones can
// afford (BENCHMARKS.md, "How the targets were reached").
func (c *client) listRecords(ctx context.Context, zoneID string) ([]apiRecord, error) {
	var out []apiRecord
	for page := 1; ; page++ {
		var raw []byte
		_, err := c.records.List(ctx, dns.RecordListParams{
			ZoneID:  cf.F(zoneID),
			Page:    cf.F(float64(page)),
			PerPage: cf.F(float64(c.perPage)),
		}, option.WithResponseBodyInto(&raw))
		if err != nil {
			return nil, fmt.Errorf("listing records, page %d: %w", page, apiError(err))
		}
		var res struct {
			Result     []apiRecord `json:"result"`
			ResultInfo struct {
				TotalCount *int `json:"total_count"`
			} `json:"result_info"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("listing records, page %d: decoding: %w", page, err)
		}
		out = append(out, res.Result...)
		total := res.ResultInfo.TotalCount
		if len(res.Result) < c.perPage || (total != nil && page*c.perPage >= *total) {
			return out, nil
		}
	}
}

// resultInfoInt reads a result_info field the SDK does not decode
// (total_count, total_pages; docs/cloudflare.md, Listing records).
// F is the SDK's internal apijson.Field, inferred from the ExtraFields map.
func resultInfoInt[F interface{ Raw() string }](extra map[string]F, key string) (int, bool) {
	f, ok := extra[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Raw()))
	return n, err == nil
}

// innermost returns the code and message at the bottom of an error_chain
// (a JSON array of {code, message, error_chain?}).
func innermost(raw string) (int, string, bool) {
	var chain []struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Chain   json.RawMessage `json:"error_chain"`
	}
	if err := json.Unmarshal([]byte(raw), &chain); err != nil || len(chain) == 0 {
		return 0, "", false
	}
	e := chain[0]
	if len(e.Chain) > 0 {
		if c, m, ok := innermost(string(e.Chain)); ok {
			return c, m, true
		}
	}
	return e.Code, e.Message, true
}
