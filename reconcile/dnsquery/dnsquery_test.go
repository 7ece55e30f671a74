package dnsquery

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// server is a miekg/dns server on loopback UDP and TCP at one port.
type server struct {
	addr     string
	handled  atomic.Int64 // queries answered, over both transports
	tcp      atomic.Int64 // of those, over TCP
	inflight atomic.Int64
	maxIn    atomic.Int64
}

// inflightWriter counts a query as finished just before its reply leaves,
// so that a client's next query, sent once the reply arrives, never
// overlaps it in the count.
type inflightWriter struct {
	dns.ResponseWriter
	n *atomic.Int64
}

func (w inflightWriter) WriteMsg(m *dns.Msg) error {
	w.n.Add(-1)
	return w.ResponseWriter.WriteMsg(m)
}

func startServer(t *testing.T, h func(w dns.ResponseWriter, q *dns.Msg)) *server {
	t.Helper()
	s := &server{}
	// UDP and TCP on one port: the UDP port the kernel picks may be taken
	// for TCP by another process, so try a few.
	var pc net.PacketConn
	var l net.Listener
	for try := 0; ; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatal(err)
		}
	}
	s.addr = pc.LocalAddr().String()
	wrap := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		n := s.inflight.Add(1)
		for {
			m := s.maxIn.Load()
			if n <= m || s.maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		s.handled.Add(1)
		if w.RemoteAddr().Network() == "tcp" {
			s.tcp.Add(1)
		}
		h(inflightWriter{w, &s.inflight}, q)
	})
	udp := &dns.Server{PacketConn: pc, Handler: wrap}
	tcp := &dns.Server{Listener: l, Handler: wrap}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return s
}

func answerA(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	if q.Question[0].Name == "missing.test." {
		m.Rcode = dns.RcodeNameError
	} else {
		rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN A 192.0.2.1")
		m.Answer = append(m.Answer, rr)
	}
	w.WriteMsg(m)
}

func TestQueryAnswersAndCaches(t *testing.T) {
	s := startServer(t, answerA)
	c := &Client{}
	ctx := context.Background()
	for range 3 {
		r, err := c.Query(ctx, s.addr, "Host.Test", dns.TypeA)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.1" {
			t.Fatalf("answer = %v", r.Answer)
		}
	}
	if got := s.handled.Load(); got != 1 {
		t.Errorf("server saw %d queries for one question asked thrice; want 1 (cached)", got)
	}
	if got := c.Sent(); got != 1 {
		t.Errorf("Sent() = %d, want 1", got)
	}
	// A different type is a different question.
	if _, err := c.Query(ctx, s.addr, "host.test.", dns.TypeAAAA); err != nil {
		t.Fatal(err)
	}
	if got := s.handled.Load(); got != 2 {
		t.Errorf("server saw %d queries, want 2", got)
	}
}

func TestNXDOMAINIsAReplyNotAnError(t *testing.T) {
	s := startServer(t, answerA)
	r, err := (&Client{}).Query(context.Background(), s.addr, "missing.test.", dns.TypeA)
	if err != nil {
		t.Fatalf("NXDOMAIN came back as an error (%v); callers must see it as an answer", err)
	}
	if r.Rcode != dns.RcodeNameError {
		t.Errorf("rcode = %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

func TestConcurrentCallersShareOneExchange(t *testing.T) {
	release := make(chan struct{})
	s := startServer(t, func(w dns.ResponseWriter, q *dns.Msg) {
		<-release
		answerA(w, q)
	})
	c := &Client{}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.Query(context.Background(), s.addr, "same.test.", dns.TypeA) })
	}
	time.Sleep(50 * time.Millisecond) // let every caller reach the cache
	close(release)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.handled.Load(); got != 1 {
		t.Errorf("server saw %d queries from 20 concurrent callers of one question; want 1", got)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	s := startServer(t, func(w dns.ResponseWriter, q *dns.Msg) {
		time.Sleep(20 * time.Millisecond)
		answerA(w, q)
	})
	c := &Client{Concurrency: 3}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if _, err := c.Query(context.Background(), s.addr, dns.Fqdn(string(rune('a'+i))+".test"), dns.TypeA); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := s.maxIn.Load(); got > 3 {
		t.Errorf("server saw %d queries in flight at once; Concurrency is 3", got)
	}
	if got := s.handled.Load(); got != 30 {
		t.Errorf("server saw %d queries, want 30", got)
	}
}

func TestTruncatedReplyRetriesOverTCP(t *testing.T) {
	s := startServer(t, func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if w.RemoteAddr().Network() == "udp" {
			m.Truncated = true
		} else {
			rr, _ := dns.NewRR(q.Question[0].Name + " 60 IN TXT big")
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	})
	c := &Client{}
	r, err := c.Query(context.Background(), s.addr, "big.test.", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Answer) != 1 || r.Truncated {
		t.Fatalf("got the truncated UDP reply (%v), not the TCP one", r)
	}
	if s.tcp.Load() != 1 || c.Sent() != 2 {
		t.Errorf("tcp queries = %d, sent = %d; want 1 and 2", s.tcp.Load(), c.Sent())
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	// A socket that reads and never answers: a dead or filtered server.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var got atomic.Int64
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	c := &Client{Timeout: 50 * time.Millisecond, Attempts: 3}
	_, err = c.Query(context.Background(), pc.LocalAddr().String(), "slow.test.", dns.TypeA)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if c.Sent() != 3 {
		t.Errorf("sent %d messages, want 3 attempts", c.Sent())
	}
	// The outcome is cached like an answer: a run asks once.
	if _, err := c.Query(context.Background(), pc.LocalAddr().String(), "slow.test.", dns.TypeA); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second query: err = %v", err)
	}
	if c.Sent() != 3 {
		t.Errorf("a timed-out question was asked again (%d sent)", c.Sent())
	}
}

func TestRefusedConnectionIsNoAnswer(t *testing.T) {
	// A port with nothing listening: ICMP port unreachable on loopback.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	_, err = (&Client{Timeout: 200 * time.Millisecond}).Query(context.Background(), addr, "x.test.", dns.TypeA)
	if !errors.Is(err, ErrNoAnswer) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrNoAnswer or ErrTimeout", err)
	}
}

func TestCancelledQueryIsNotCached(t *testing.T) {
	s := startServer(t, answerA)
	c := &Client{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Query(ctx, s.addr, "host.test.", dns.TypeA); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := c.Query(context.Background(), s.addr, "host.test.", dns.TypeA); err != nil {
		t.Fatalf("after a cancelled call, a live call failed: %v", err)
	}
}

func TestMismatchedReplyIsRejected(t *testing.T) {
	// A reply for another question (a confused or spoofing server) must not
	// be taken as the answer.
	s := startServer(t, func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Question[0].Name = "other.test."
		w.WriteMsg(m)
	})
	_, err := (&Client{Attempts: 1}).Query(context.Background(), s.addr, "asked.test.", dns.TypeA)
	if !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("err = %v, want ErrNoAnswer", err)
	}
}

func TestWithPort(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1":      "127.0.0.1:53",
		"127.0.0.1:5300": "127.0.0.1:5300",
		"::1":            "[::1]:53",
		"[::1]:5300":     "[::1]:5300",
	} {
		if got := withPort(in); got != want {
			t.Errorf("withPort(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolversFrom(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "resolv.conf")
	os.WriteFile(p, []byte("nameserver 127.0.0.53\nnameserver ::1\n"), 0o644)
	got, err := resolversFrom(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "127.0.0.53:53" || got[1] != "[::1]:53" {
		t.Errorf("resolvers = %v", got)
	}
	os.WriteFile(p, []byte("search example\n"), 0o644)
	if _, err := resolversFrom(p); err == nil {
		t.Error("a resolv.conf without nameservers was accepted")
	}
}

// TestWaiterOutlivesTheAsker: a caller waiting on a question another
// caller asked gets an answer when the asker gives up, not the asker's
// cancellation.
func TestWaiterOutlivesTheAsker(t *testing.T) {
	release := make(chan struct{})
	s := startServer(t, func(w dns.ResponseWriter, q *dns.Msg) {
		<-release
		answerA(w, q)
	})
	c := &Client{}
	askerCtx, cancel := context.WithCancel(context.Background())
	asked := make(chan error, 1)
	go func() {
		_, err := c.Query(askerCtx, s.addr, "shared.test.", dns.TypeA)
		asked <- err
	}()
	time.Sleep(50 * time.Millisecond) // the asker is in flight
	waited := make(chan error, 1)
	go func() {
		_, err := c.Query(context.Background(), s.addr, "shared.test.", dns.TypeA)
		waited <- err
	}()
	time.Sleep(50 * time.Millisecond) // the waiter waits on the asker's question
	cancel()
	if err := <-asked; !errors.Is(err, context.Canceled) {
		t.Fatalf("asker: %v", err)
	}
	close(release)
	if err := <-waited; err != nil {
		t.Errorf("the waiter got %v; its own context was live", err)
	}
}
