// Package audittest serves DNS on loopback for tests of the takeover audit:
// [Start] runs a miekg/dns handler on a free port (UDP and TCP) and counts
// the questions it is asked, and [Resolver] answers as a recursive resolver
// does once it has walked the tree, from a table of records.
//
// It imports nothing from zoneward: it models DNS, not zoneward's types.
package audittest

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Server is a DNS server on 127.0.0.1. Create it with [Start]; Close it
// when done. Its methods are safe for concurrent use.
type Server struct {
	// Addr is "127.0.0.1:port", the same port for UDP and TCP.
	Addr string

	udp, tcp *dns.Server
	// mu guards asks.
	mu   sync.Mutex
	asks map[string]int // "name TYPE" → times asked
}

// Start serves h on a free loopback port. The caller must call Close.
func Start(h dns.Handler) (*Server, error) {
	var pc net.PacketConn
	var l net.Listener
	var err error
	// The kernel picks a free UDP port; TCP on the same port (for
	// answers truncated over UDP) may be held by another process, since
	// tests run in parallel on the machine: then try another port.
	for range 20 {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("audittest: no port free for both UDP and TCP: %w", err)
	}
	s := &Server{Addr: pc.LocalAddr().String(), asks: map[string]int{}}
	count := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		if len(q.Question) == 1 {
			s.mu.Lock()
			s.asks[strings.ToLower(q.Question[0].Name)+" "+dns.TypeToString[q.Question[0].Qtype]]++
			s.mu.Unlock()
		}
		h.ServeDNS(w, q)
	})
	started := make(chan struct{}, 2)
	notify := func() { started <- struct{}{} }
	s.udp = &dns.Server{PacketConn: pc, Handler: count, NotifyStartedFunc: notify}
	s.tcp = &dns.Server{Listener: l, Handler: count, NotifyStartedFunc: notify}
	go s.udp.ActivateAndServe()
	go s.tcp.ActivateAndServe()
	<-started
	<-started
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.udp.Shutdown()
	s.tcp.Shutdown()
}

// Asked returns how many times the question (name, qtype) was asked.
func (s *Server) Asked(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asks[strings.ToLower(dns.Fqdn(name))+" "+dns.TypeToString[qtype]]
}

// Total returns how many questions were asked.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.asks {
		n += c
	}
	return n
}

// Resolver answers like a recursive resolver: from a table of every
// name's records, following CNAMEs into the answer, with NXDOMAIN for a
// name that has no records and no names below it, and recursion available.
// It is safe for concurrent use.
type Resolver struct {
	data  map[string][]dns.RR
	exist map[string]bool // every name with records, and every name above one

	// mu guards drop and stop.
	mu   sync.Mutex
	drop map[string]bool
	stop map[string]bool
}

// Drop makes questions reaching name go unanswered (on) or answered again
// (off), as when the name's authority is dead and the client times out,
// whether name is asked for or reached along a CNAME chain.
func (r *Resolver) Drop(name string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drop[strings.ToLower(name)] = on
}

// Stop makes answers end a CNAME chain just before name, as a resolver
// that hands back a partial chain does.
func (r *Resolver) Stop(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop[strings.ToLower(name)] = true
}

func (r *Resolver) flags(name string) (drop, stop bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drop[name], r.stop[name]
}

// NewResolver returns a resolver for zone, records in RFC 1035
// presentation form, one per line, with absolute owner names.
func NewResolver(zone string) (*Resolver, error) {
	r := &Resolver{drop: map[string]bool{}, stop: map[string]bool{}, data: map[string][]dns.RR{}, exist: map[string]bool{".": true}}
	for _, line := range strings.Split(zone, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			return nil, fmt.Errorf("audittest: %q: %w", line, err)
		}
		n := strings.ToLower(rr.Header().Name)
		r.data[n] = append(r.data[n], rr)
		for ; n != "."; n = parent(n) {
			r.exist[n] = true
		}
	}
	return r, nil
}

func parent(n string) string {
	if i := strings.IndexByte(n, '.'); i >= 0 && i+1 < len(n) {
		return n[i+1:]
	}
	return "."
}

// ServeDNS answers one question.
func (r *Resolver) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) != 1 {
		return
	}
	name, qtype := strings.ToLower(q.Question[0].Name), q.Question[0].Qtype
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	cur := name
	for range 16 {
		if drop, _ := r.flags(cur); drop {
			return
		}
		var cname *dns.CNAME
		for _, rr := range r.data[cur] {
			if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = c
			}
		}
		if cname == nil {
			break
		}
		m.Answer = append(m.Answer, cname)
		cur = strings.ToLower(cname.Target)
		if _, stop := r.flags(cur); stop {
			w.WriteMsg(m)
			return
		}
	}
	for _, rr := range r.data[cur] {
		if rr.Header().Rrtype == qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if !r.exist[cur] {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}
