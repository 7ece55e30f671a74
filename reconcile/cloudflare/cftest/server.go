// Package cftest provides an in-process fake of Cloudflare's v4 API (zones, DNS records, batch, DNSSEC) for tests.
//
// It models the wire behaviour described in docs/cloudflare.md, whose sections the comments here cite by name,
// and Cloudflare's OpenAPI description ([SPEC24]: the subset in testdata/cloudflare-openapi-dns.json, whose
// origin testdata/README.md gives), so that a client such as cloudflare-go can be driven over real HTTP:
// envelope, errors, paging, rate limits and faults included. It imports nothing from zoneward because it
// models Cloudflare, not our types.
package cftest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the API token a [Server] accepts when no [WithTokens] option is given.
const DefaultToken = "cftest-token"

// DefaultAccountID is the account every zone belongs to unless [WithAccount] says otherwise.
const DefaultAccountID = "0123456789abcdef0123456789abcdef"

// apiPrefix is the path below which the API lives; the real base URL is https://api.cloudflare.com/client/v4/
// (docs/cloudflare.md, Endpoints; cloudflare-go's option.WithEnvironmentProduction).
const apiPrefix = "/client/v4"

// Server is a fake Cloudflare v4 API listening on a loopback address, in the manner of httptest.Server.
// All methods are safe for concurrent use. The caller must call [Server.Close] when done.
type Server struct {
	// URL is the base URL of the listener, of the form http://127.0.0.1:port, with no trailing slash.
	// Use [Server.BaseURL] for the value the cloudflare-go option.WithBaseURL expects.
	URL string

	ts      *httptest.Server
	mux     *http.ServeMux
	kinds   map[string]Kind // by the mux's pattern
	cfg     config
	closing chan struct{} // closed by Close so that injected latency stops early
	once    sync.Once

	mu          sync.Mutex        // guards everything below
	zones       map[string]*zone  // by zone id
	zoneByName  map[string]string // zone name → id
	seq         uint64            // source of deterministic ids
	fault       func(*http.Request) Fault
	log         []Request
	stamps      []time.Time // arrival time of every request, for MaxPerWindow; not cleared by ResetLog
	rl          rateState
	zoneCreates []time.Time // times of successful POST /zones, for the zone-creation limit
}

type config struct {
	tokens          map[string]bool
	accountID       string
	accountName     string
	now             func() time.Time
	rateLimit       int
	rateWindow      time.Duration
	zoneCreateLimit int
	zoneCreateWin   time.Duration
	dnssecDelay     time.Duration
}

// An Option configures a [Server] at creation.
type Option func(*config)

// WithTokens sets the API tokens the server accepts as "Authorization: Bearer <token>".
// The default is [DefaultToken] alone.
func WithTokens(tokens ...string) Option {
	return func(c *config) {
		c.tokens = make(map[string]bool, len(tokens))
		for _, t := range tokens {
			c.tokens[t] = true
		}
	}
}

// WithAccount sets the id and name of the single account the token can use. POST /zones must name this
// account id.
func WithAccount(id, name string) Option {
	return func(c *config) { c.accountID, c.accountName = id, name }
}

// WithClock replaces time.Now as the server's clock, for rate-limit windows, the zone-creation limit,
// DNSSEC transitions and timestamps. Injected latency still uses real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithRateLimit sets the request budget: at most n requests per window, counted across all endpoints and
// tokens. The default is Cloudflare's 1200 per 5 minutes (docs/cloudflare.md, Rate limits). Tests use a short
// window, e.g. 100 per 2 s.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.rateLimit, c.rateWindow = n, window }
}

// WithZoneCreateLimit sets how many zones POST /zones may create per window. The default is 25 per
// 10 minutes, the documented sign-up limit (docs/cloudflare.md, Zones).
func WithZoneCreateLimit(n int, window time.Duration) Option {
	return func(c *config) { c.zoneCreateLimit, c.zoneCreateWin = n, window }
}

// WithDNSSECDelay sets how long DNSSEC stays "pending" after being enabled (and "pending-disabled" after
// being disabled) before it becomes "active" (or "disabled"), measured on the server clock.
// Zero makes the change immediate. The default is one minute.
func WithDNSSECDelay(d time.Duration) Option {
	return func(c *config) { c.dnssecDelay = d }
}

// NewServer starts and returns a new Server. The caller should call Close when finished, to shut it down.
func NewServer(opts ...Option) *Server {
	cfg := config{
		tokens:          map[string]bool{DefaultToken: true},
		accountID:       DefaultAccountID,
		accountName:     "cftest account",
		now:             time.Now,
		rateLimit:       1200,
		rateWindow:      5 * time.Minute,
		zoneCreateLimit: 25,
		zoneCreateWin:   10 * time.Minute,
		dnssecDelay:     time.Minute,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:        cfg,
		closing:    make(chan struct{}),
		zones:      make(map[string]*zone),
		zoneByName: make(map[string]string),
	}
	s.mux, s.kinds = s.routes()
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// BaseURL returns the API base URL, ending in "/client/v4/", for cloudflare-go's option.WithBaseURL.
func (s *Server) BaseURL() string { return s.URL + apiPrefix + "/" }

// Client returns an HTTP client configured for requests to the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts down the server and blocks until all outstanding requests on it have completed.
// Injected latency is cut short so that Close does not wait for it.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.ts.Close()
}

// AccountID returns the id of the account zones belong to.
func (s *Server) AccountID() string { return s.cfg.accountID }

// serveHTTP is the outermost handler: it logs, counts against the rate limit, applies faults,
// authenticates and then routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	kind, ok := s.kinds[pattern]
	if !ok {
		kind = KindOther
	}
	rec := &recorder{ResponseWriter: w}
	body := &countingReader{r: r.Body}
	r.Body = body
	s.mu.Lock()
	now := s.cfg.now()
	s.stamps = append(s.stamps, now)
	limited, rlHeaders := s.rl.admit(now, s.cfg.rateLimit, s.cfg.rateWindow)
	fault := s.fault
	s.mu.Unlock()
	logged := false
	logRequest := func() {
		if logged {
			return
		}
		logged = true
		s.mu.Lock()
		s.log = append(s.log, Request{
			Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Kind: kind,
			Status: rec.status, BodySize: body.n, ResponseSize: rec.n, Dropped: rec.hijacked,
		})
		s.mu.Unlock()
	}
	// A dropped connection is logged before it is closed: the client sees
	// the drop at once and may read the log before this handler returns.
	rec.beforeDrop = logRequest
	defer logRequest()

	// Cloudflare sends Ratelimit and Ratelimit-Policy on every response (docs/cloudflare.md, Rate limits,
	// changelog 2025-09-03).
	for k, v := range rlHeaders {
		w.Header().Set(k, v)
	}
	if fault != nil {
		if f := fault(r); !f.isZero() {
			if done := s.applyFault(rec, r, f); done {
				return
			}
		}
	}
	if limited {
		writeError(rec, http.StatusTooManyRequests, errRateLimited())
		return
	}
	if e, status := s.authenticate(r); e != nil {
		writeError(rec, status, e)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// authenticate checks the bearer token. A missing or malformed Authorization header gives 400 with 6003
// "Invalid request headers" and an error_chain, the shape quoted in putyourlightson/craft-cloudflare#88
// (there for X-Auth-Key; 6111 for Authorization is our assumption); an unknown token gives 403 with 10000
// "Authentication error" (hieunc229/mailflare#1, sebdesign/artisan-cloudflare#16).
func (s *Server) authenticate(r *http.Request) (*APIError, int) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return &APIError{Code: 6003, Message: "Invalid request headers",
			ErrorChain: []APIError{{Code: 6111, Message: "Invalid format for Authorization header"}}}, http.StatusBadRequest
	}
	if !s.cfg.tokens[tok] {
		return &APIError{Code: CodeAuthentication, Message: "Authentication error"}, http.StatusForbidden
	}
	return nil, 0
}

// recorder captures the status and size of a response and passes hijacking through for dropped connections.
type recorder struct {
	http.ResponseWriter
	status     int
	n          int
	hijacked   bool
	beforeDrop func() // logs the request; called before a dropped connection is closed
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.n += n
	return n, err
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *countingReader) Close() error { return nil }
