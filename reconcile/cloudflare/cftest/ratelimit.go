package cftest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// rateState is a fixed-window request budget. Cloudflare documents 1200 requests per five minutes per token
// and: "If you exceed this limit, all API calls for the next five minutes will be blocked"
// (docs/cloudflare.md, Rate limits), so once the budget is spent the server answers 429 until the window
// ends, then starts a fresh window.
type rateState struct {
	start time.Time // start of the current window; zero before the first request
	count int       // requests admitted in the current window
}

// admit counts one request at now and reports whether it is over budget, along with the Ratelimit and
// Ratelimit-Policy headers to send ("default";r=<remaining>;t=<seconds to reset> and
// "default";q=<quota>;w=<window seconds>, docs/cloudflare.md, Rate limits) and, when limited, Retry-After in
// whole seconds rounded up ("Number of Seconds until more capacity is available, rounded up").
func (rs *rateState) admit(now time.Time, limit int, window time.Duration) (limited bool, headers map[string]string) {
	if rs.start.IsZero() || !now.Before(rs.start.Add(window)) {
		rs.start, rs.count = now, 0
	}
	limited = rs.count >= limit
	if !limited {
		rs.count++
	}
	reset := int(math.Ceil(rs.start.Add(window).Sub(now).Seconds()))
	headers = map[string]string{
		"Ratelimit":        fmt.Sprintf(`"default";r=%d;t=%d`, limit-rs.count, reset),
		"Ratelimit-Policy": fmt.Sprintf(`"default";q=%d;w=%d`, limit, int(math.Ceil(window.Seconds()))),
	}
	if limited {
		headers["Retry-After"] = strconv.Itoa(max(reset, 1))
	}
	return limited, headers
}

// MaxPerWindow returns the largest number of requests the server received (admitted or not) within any
// interval of length window, sliding over every arrival since the server started. A client that keeps
// this at or below the budget stays under the limit however the server aligns its windows.
// ResetLog does not clear the arrivals this counts.
func (s *Server) MaxPerWindow(window time.Duration) int {
	s.mu.Lock()
	ts := slices.Clone(s.stamps)
	s.mu.Unlock()
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// WindowCounts returns the number of requests received in each consecutive window of the given length,
// starting at the first request. Empty windows in between are included as zeros.
func (s *Server) WindowCounts(window time.Duration) []int {
	s.mu.Lock()
	ts := slices.Clone(s.stamps)
	s.mu.Unlock()
	if len(ts) == 0 {
		return nil
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	var out []int
	for _, t := range ts {
		i := int(t.Sub(ts[0]) / window)
		for len(out) <= i {
			out = append(out, 0)
		}
		out[i]++
	}
	return out
}
