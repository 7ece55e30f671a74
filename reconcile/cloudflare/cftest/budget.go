package cftest

import "time"

// SetRateLimit changes the request budget to n requests per window and
// starts a fresh window, as if the server had just started. Benchmarks use
// it to seed a large account quickly, then measure a client under the real
// budget.
func (s *Server) SetRateLimit(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.rateLimit, s.cfg.rateWindow = n, window
	s.rl = rateState{}
}

// ResetArrivals forgets the arrival times that MaxPerWindow and
// WindowCounts read, so that they describe only what follows.
func (s *Server) ResetArrivals() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stamps = nil
}
