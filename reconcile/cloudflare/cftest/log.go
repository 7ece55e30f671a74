package cftest

import (
	"slices"
	"time"
)

// Request is one entry of the server's request log.
type Request struct {
	Time         time.Time // arrival, on the server clock
	Method       string
	Path         string // URL path, e.g. /client/v4/zones/<id>/dns_records
	Query        string // raw query string
	Kind         Kind
	Status       int  // HTTP status sent; 0 if the connection was dropped or the request abandoned
	BodySize     int  // bytes of request body read
	ResponseSize int  // bytes of response body written
	Dropped      bool // the connection was closed by an injected fault
}

// Requests returns a copy of the request log, in completion order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Counts returns how many logged requests there were of each kind.
func (s *Server) Counts() map[Kind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[Kind]int)
	for _, r := range s.log {
		m[r.Kind]++
	}
	return m
}

// Count returns how many logged requests there were of kind k.
func (s *Server) Count(k Kind) int {
	return s.Counts()[k]
}

// ResetLog empties the request log. It leaves the rate-limit state and [Server.MaxPerWindow] history alone,
// since those model Cloudflare's budget, which a test cannot reset either.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}
