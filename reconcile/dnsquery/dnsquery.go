// Package dnsquery sends DNS queries with the bounds zoneward needs whenever
// it asks the outside world something: a deadline per exchange, a limit on
// queries in flight, TCP after a truncated UDP answer, and a cache that asks
// each (server, name, type) once per run.
//
// It is shared by everything that looks at live DNS: the delegation check
// (is a zone still delegated to the Company?) and the takeover audit (does a
// record's target still exist?). Both treat a failed query as "unknown",
// never as a negative answer, so Query keeps transport failures
// ([ErrTimeout], [ErrNoAnswer]) apart from answers, whose Rcode (NXDOMAIN,
// REFUSED, …) the caller reads itself.
package dnsquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Defaults for a zero [Client].
const (
	// DefaultTimeout bounds one exchange with one server. Authoritative
	// servers answer in well under a second; two seconds leaves room for
	// a distant one without letting a dead one hold a run for long.
	DefaultTimeout = 2 * time.Second
	// DefaultAttempts is how many times a UDP query is sent before the
	// server is given up on: one loss is common, two in a row rare.
	DefaultAttempts = 2
	// DefaultConcurrency bounds queries in flight, so that a run over
	// thousands of names neither floods a resolver nor exhausts sockets.
	DefaultConcurrency = 16
)

// ErrTimeout is returned when a server did not answer within the deadline
// on any attempt. Callers must treat it as "unknown".
var ErrTimeout = errors.New("dnsquery: no answer before the deadline")

// ErrNoAnswer is returned when an exchange failed for another transport
// reason (connection refused, malformed reply). Also "unknown".
var ErrNoAnswer = errors.New("dnsquery: no usable answer")

// Client sends queries and caches their answers. The zero value is ready to
// use with the defaults above; set fields before the first Query. A Client
// is safe for concurrent use; make one per run, since its cache never
// expires (a run must see one consistent answer per question).
type Client struct {
	Timeout     time.Duration // per exchange; 0 means DefaultTimeout
	Attempts    int           // UDP sends per server; 0 means DefaultAttempts
	Concurrency int           // queries in flight; 0 means DefaultConcurrency
	// Recursive sets the RD bit: true when asking a resolver, false when
	// asking authoritative servers directly.
	Recursive bool

	once  sync.Once
	sem   chan struct{}
	mu    sync.Mutex       // guards cache
	cache map[key]*pending // one entry per question ever asked
	sent  atomic.Int64     // DNS messages sent, retries and TCP included
}

type key struct {
	server string
	name   string
	qtype  uint16
}

// pending is one question's answer, shared by every caller that asks it;
// done is closed when msg and err are set.
type pending struct {
	done chan struct{}
	msg  *dns.Msg
	err  error
}

func (c *Client) init() {
	c.once.Do(func() {
		n := c.Concurrency
		if n <= 0 {
			n = DefaultConcurrency
		}
		c.sem = make(chan struct{}, n)
		c.cache = map[key]*pending{}
	})
}

// Sent reports how many DNS messages the client has sent, retries and TCP
// retries included: the figure a benchmark reports.
func (c *Client) Sent() int64 { return c.sent.Load() }

// Query asks server ("host:port"; a bare host gets port 53) for name's
// records of type qtype and returns the reply. Concurrent and repeated
// calls with the same question share one exchange. The reply is shared:
// callers must not modify it.
//
// A reply is returned whatever its Rcode; the error is non-nil only when
// no reply came (wrapping ErrTimeout or ErrNoAnswer), or ctx ended.
func (c *Client) Query(ctx context.Context, server, name string, qtype uint16) (*dns.Msg, error) {
	c.init()
	server = withPort(server)
	k := key{server, strings.ToLower(dns.Fqdn(name)), qtype}
	c.mu.Lock()
	p, ok := c.cache[k]
	if !ok {
		p = &pending{done: make(chan struct{})}
		c.cache[k] = p
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-p.done:
			if isContextErr(p.err) && ctx.Err() == nil {
				// The caller that asked gave up; this one has not, and
				// the question has left the cache: ask it again.
				return c.Query(ctx, server, name, qtype)
			}
			return p.msg, p.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p.msg, p.err = c.exchange(ctx, k)
	if p.err != nil && ctx.Err() != nil {
		// Our caller gave up, not the server: forget the question so
		// that a later caller with a live context asks again.
		c.mu.Lock()
		delete(c.cache, k)
		c.mu.Unlock()
	}
	close(p.done)
	return p.msg, p.err
}

func (c *Client) exchange(ctx context.Context, k key) (*dns.Msg, error) {
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	q := new(dns.Msg)
	q.SetQuestion(k.name, k.qtype)
	q.RecursionDesired = c.Recursive
	q.SetEdns0(dns.DefaultMsgSize, false)

	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	udp := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: dns.DefaultMsgSize}
	var last error
	for range attempts {
		c.sent.Add(1)
		r, _, err := udp.ExchangeContext(ctx, q, k.server)
		if err == nil && r.Truncated {
			// The answer did not fit in a datagram: ask again over TCP,
			// as RFC 7766 requires of every resolver.
			tcp := &dns.Client{Net: "tcp", Timeout: timeout}
			c.sent.Add(1)
			r, _, err = tcp.ExchangeContext(ctx, q, k.server)
		}
		if err == nil {
			if r.Id != q.Id || len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, k.name) || r.Question[0].Qtype != k.qtype {
				last = fmt.Errorf("%w from %s: the reply does not answer %s %s", ErrNoAnswer, k.server, k.name, dns.TypeToString[k.qtype])
				continue
			}
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last = err
	}
	var ne net.Error
	if errors.As(last, &ne) && ne.Timeout() {
		return nil, fmt.Errorf("%w: %s %s at %s", ErrTimeout, k.name, dns.TypeToString[k.qtype], k.server)
	}
	if errors.Is(last, ErrNoAnswer) {
		return nil, last
	}
	return nil, fmt.Errorf("%w: %s %s at %s: %v", ErrNoAnswer, k.name, dns.TypeToString[k.qtype], k.server, last)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// withPort adds DNS's port to a server given without one.
func withPort(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(strings.Trim(server, "[]"), "53")
}

// SystemResolvers returns the nameservers of /etc/resolv.conf as
// "host:port", for callers configured to use the system's resolver.
func SystemResolvers() ([]string, error) {
	return resolversFrom("/etc/resolv.conf")
}

func resolversFrom(path string) ([]string, error) {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the system's resolvers: %w", err)
	}
	if len(cfg.Servers) == 0 {
		return nil, fmt.Errorf("reading the system's resolvers: %s names no nameserver", path)
	}
	out := make([]string, len(cfg.Servers))
	for i, s := range cfg.Servers {
		out[i] = net.JoinHostPort(s, cfg.Port)
	}
	return out, nil
}
