package cftest

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// A Fault describes what goes wrong with one request. The zero Fault means none. Latency is applied first;
// then Drop, Status or neither (the request is then served normally, late).
type Fault struct {
	// Latency delays the request by this much real time (cut short by Close or a cancelled request).
	Latency time.Duration
	// Drop closes the connection without a response, as a crashed proxy would.
	Drop bool
	// Status, if non-zero, answers with this HTTP status and an error envelope instead of serving the
	// request. A 429 carries Retry-After, as the real API's does (docs/cloudflare.md, Rate limits).
	Status int
	// RetryAfter is the Retry-After value, in seconds, sent with Status 429. Zero sends "0", which
	// cloudflare-go takes as "retry now" (docs/cloudflare.md, Retries), keeping fault-heavy tests fast.
	RetryAfter int
}

func (f Fault) isZero() bool { return f == Fault{} }

// SetFault installs f, called for every later request to decide its fault; nil removes it. f must be safe
// for concurrent use. Faulted requests are logged and count against the rate limit like any other.
func (s *Server) SetFault(f func(*http.Request) Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// applyFault carries out f and reports whether the request has been fully answered.
func (s *Server) applyFault(w *recorder, r *http.Request, f Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.closing:
		}
	}
	switch {
	case f.Drop:
		hj, ok := w.ResponseWriter.(http.Hijacker)
		if !ok {
			return false
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return false
		}
		w.hijacked = true
		if w.beforeDrop != nil {
			w.beforeDrop()
		}
		_ = conn.Close()
		return true
	case f.Status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(max(f.RetryAfter, 0)))
		writeError(w, f.Status, errRateLimited())
		return true
	case f.Status != 0:
		writeError(w, f.Status, &APIError{Code: CodeBadRequest, Message: http.StatusText(f.Status)})
		return true
	}
	return false
}

// RandomFaults returns a fault function for [Server.SetFault] that makes about rate (0..1) of requests
// fail, choosing with a random source seeded by seed so a failing run can be replayed: of the failures
// about 40% are a 5xx (500, 502, 503 or 504), 30% a dropped connection and 30% a 429 with Retry-After 0
// (so retrying clients stay fast). The function is safe for concurrent use; the order of concurrent
// requests still decides which of them fail.
func RandomFaults(seed uint64, rate float64) func(*http.Request) Fault {
	var mu sync.Mutex // guards rng
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	statuses := []int{500, 502, 503, 504}
	return func(*http.Request) Fault {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() >= rate {
			return Fault{}
		}
		switch p := rng.Float64(); {
		case p < 0.4:
			return Fault{Status: statuses[rng.IntN(len(statuses))]}
		case p < 0.7:
			return Fault{Drop: true}
		default:
			return Fault{Status: http.StatusTooManyRequests, RetryAfter: 0}
		}
	}
}
