// Package dnstest starts real authoritative DNS servers — BIND 9's named
// and Knot DNS's knotd — as child processes of a test, on loopback
// addresses and free ports, with the zones and the TSIG key the test asks
// for.
//
// A test asks for a server and gets its address:
//
//	srv := dnstest.Start(t, dnstest.BIND, dnstest.Options{
//		Zones: []dnstest.Zone{{Name: "example.test."}},
//	})
//	// srv.Addr is "127.0.0.1:PORT"; srv.Key signs updates and transfers.
//
// Start waits until the server answers for every zone, stops it when the
// test ends (t.Cleanup), and logs the server's own log when the test
// failed. A test whose server binary is not installed is skipped with a
// message, or fails when the environment variable CI is set, so that a CI
// machine without the servers cannot pass by skipping.
//
// Servers run as the current user (root in CI: neither server is told to
// drop privileges) with every file they write — configuration, zone
// files, journals, pid file, log, control socket — in a temporary
// directory of their own. Several servers may share a port on different
// 127.0.0.x addresses (Options.IP, Options.Port), so that a test can build
// a delegation hierarchy whose glue addresses all use one port. Only Knot
// can do that on a stock machine: named listens on interface addresses
// alone, and the loopback interface carries just 127.0.0.1.
package dnstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Kind is a server implementation.
type Kind string

const (
	BIND Kind = "bind" // ISC BIND 9, /usr/sbin/named
	Knot Kind = "knot" // CZ.NIC Knot DNS, /usr/sbin/knotd
)

// Kinds are the implementations Start knows, for tests that run against
// each.
var Kinds = []Kind{BIND, Knot}

// Key is a TSIG key (RFC 8945).
type Key struct {
	Name      string // fully qualified, e.g. "zoneward."
	Algorithm string // BIND's spelling: "hmac-sha256"
	Secret    string // base64
}

// Zone is one zone the server is primary for.
type Zone struct {
	// Name is the zone's name, fully qualified; "." for the root.
	Name string
	// Content is the zone file's text. Empty: a zone holding only its SOA
	// (serial 1) and an NS record for each of NS.
	Content string
	// NS are the apex NS targets of a generated zone (default
	// "ns1.zoneward.test."). Unused when Content is set.
	NS []string
	// Path serves a zone file in place instead of Content, for tests that
	// write zone files and reload the server. Such a zone is static: the
	// key may transfer it but not update it, since a journal beside
	// another program's file would fight it for the contents. A Path that
	// does not exist yet is a zone the server does not serve until the
	// test (or the program it tests) writes the file and reloads the zone
	// through Server.Control; Start does not wait for it.
	Path string
	// Signed has the server sign the zone itself and keep it signed
	// through updates (BIND: dnssec-policy with inline-signing; Knot:
	// automatic DNSSEC signing), as a production primary often does.
	Signed bool
}

// Options say what to start. The zero value starts a server with no zone
// on 127.0.0.1, a free port and a fresh random key.
type Options struct {
	Zones []Zone
	// Key is allowed to transfer every zone and to update every zone
	// that has no Path. Zero: a random hmac-sha256 key named "zoneward.".
	Key Key
	// IP is the loopback address to listen on (default "127.0.0.1").
	IP string
	// Port to listen on, UDP and TCP; 0 picks a free one (see FreePort).
	Port int
	// Control sets up the server's control channel (BIND: rndc on a free
	// TCP port; Knot: knotc on a socket) so that the test can run the
	// commands Server.Control returns, e.g. to reload a zone.
	Control bool
}

// Server is a running DNS server. Its fields are set by Start and must not
// be changed.
type Server struct {
	Kind Kind
	Addr string // "IP:PORT", UDP and TCP
	Key  Key
	Dir  string // the server's working directory: config, zone files, log

	t       testing.TB
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
	logPath string
	control []string
}

const (
	namedPath    = "/usr/sbin/named"
	knotdPath    = "/usr/sbin/knotd"
	nsupdatePath = "/usr/bin/nsupdate"
	// startTimeout bounds the wait for a server to answer. Both load a
	// small zone in milliseconds; the margin is for a loaded CI machine.
	startTimeout = 20 * time.Second
	// stopTimeout is how long a server may take to exit after SIGTERM
	// before it is killed.
	stopTimeout = 5 * time.Second
	// logTail bounds how much of a server's log a failed test prints.
	logTail = 16 << 10
)

// Binary returns the path of kind's server binary.
func Binary(kind Kind) string {
	if kind == Knot {
		return knotdPath
	}
	return namedPath
}

// Require skips t (or fails it, with CI set) unless path is an executable.
func Require(t testing.TB, path string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed, and CI is set: install it (Debian: apt-get install bind9 knot bind9-dnsutils)", path)
		}
		t.Skipf("%s is not installed; skipping (Debian: apt-get install bind9 knot bind9-dnsutils)", path)
	}
}

// NewKey returns a fresh random hmac-sha256 key called name.
func NewKey(name string) Key {
	b := make([]byte, 32)
	rand.Read(b)
	return Key{Name: dns.Fqdn(strings.ToLower(name)), Algorithm: "hmac-sha256", Secret: base64.StdEncoding.EncodeToString(b)}
}

// Start starts a server of kind with opts and returns once it answers for
// every zone. It stops the server when t ends. When the port was chosen by
// Start and another process took it first, Start tries again on another.
func Start(t testing.TB, kind Kind, opts Options) *Server {
	t.Helper()
	Require(t, Binary(kind))
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if ip := net.ParseIP(opts.IP); ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		t.Fatalf("dnstest: IP %q: tests listen on IPv4 loopback addresses only", opts.IP)
	}
	if kind == BIND && !onInterface(opts.IP) {
		// named listens only on addresses it finds on an interface (it
		// scans them), and the loopback interface carries 127.0.0.1
		// alone; knotd binds any address of 127.0.0.0/8.
		t.Fatalf("dnstest: BIND listens only on interface addresses and %s is on none: use Knot for a server on %s, or add the address to lo", opts.IP, opts.IP)
	}
	if opts.Key.Name == "" {
		opts.Key = NewKey("zoneward.")
	}
	// A port picked here can be taken by another test before the server
	// binds it; a few tries make that race harmless.
	tries := 1
	if opts.Port == 0 {
		tries = 4
	}
	var last error
	for range tries {
		o := opts
		if o.Port == 0 {
			o.Port = FreePort(t, o.IP)
		}
		s, err := start(t, kind, o)
		if err == nil {
			return s
		}
		last = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	t.Fatalf("dnstest: starting %s: %v", kind, last)
	return nil
}

var errAddrInUse = errors.New("address in use")

func start(t testing.TB, kind Kind, o Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "dnstest-"+string(kind)+"-")
	if err != nil {
		return nil, err
	}
	s := &Server{Kind: kind, Addr: net.JoinHostPort(o.IP, strconv.Itoa(o.Port)), Key: o.Key, Dir: dir, t: t,
		exited: make(chan struct{})}
	o.Zones = append([]Zone(nil), o.Zones...) // the caller's slice is theirs
	for i, z := range o.Zones {
		z.Name = dns.Fqdn(strings.ToLower(z.Name))
		if z.Path == "" {
			content := z.Content
			if content == "" {
				content = emptyZone(z)
			}
			p := filepath.Join(dir, zoneFileName(z.Name))
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				return nil, err
			}
		}
		o.Zones[i] = z
	}
	var args []string
	switch kind {
	case BIND:
		args, err = s.configureBIND(o)
	case Knot:
		args, err = s.configureKnot(o)
	default:
		err = fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var stderr bytes.Buffer
	s.cmd = exec.Command(Binary(kind), args...)
	s.cmd.Dir = dir
	s.cmd.Stdout = &stderr
	s.cmd.Stderr = &stderr
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(present(o.Zones)); err != nil {
		s.stop()
		log := s.Log() + stderr.String()
		os.RemoveAll(dir)
		if strings.Contains(log, "address in use") || strings.Contains(log, "Address already in use") {
			return nil, fmt.Errorf("%w: %s: %v", errAddrInUse, s.Addr, err)
		}
		return nil, fmt.Errorf("%v\n%s", err, tail(log))
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("dnstest: %s at %s, log:\n%s%s", kind, s.Addr, tail(s.Log()), stderr.String())
		}
		os.RemoveAll(dir)
	})
	return s, nil
}

// present are the zones whose files exist: those a server loads at start.
func present(zones []Zone) []Zone {
	var out []Zone
	for _, z := range zones {
		if z.Path != "" {
			if _, err := os.Stat(z.Path); errors.Is(err, os.ErrNotExist) {
				continue
			}
		}
		out = append(out, z)
	}
	return out
}

func zoneFileName(zone string) string {
	if zone == "." {
		return "root.zone"
	}
	return zone + "zone"
}

// emptyZone is a zone file with nothing but what a zone must have.
func emptyZone(z Zone) string {
	ns := z.NS
	if len(ns) == 0 {
		ns = []string{"ns1.zoneward.test."}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 300\n@ IN SOA %s hostmaster.zoneward.test. 1 3600 600 86400 300\n", z.Name, ns[0])
	for _, n := range ns {
		fmt.Fprintf(&b, "@ IN NS %s\n", n)
	}
	return b.String()
}

func (s *Server) zonePath(z Zone) string {
	if z.Path != "" {
		return z.Path
	}
	return filepath.Join(s.Dir, zoneFileName(z.Name))
}

func (s *Server) configureBIND(o Options) ([]string, error) {
	s.logPath = filepath.Join(s.Dir, "named.log")
	var b strings.Builder
	q := strconv.Quote
	fmt.Fprintf(&b, `options {
	directory %s;
	key-directory %s;
	pid-file %s;
	session-keyfile %s;
	managed-keys-directory %s;
	listen-on port %d { %s; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
	minimal-responses no;
};
key %s { algorithm %s; secret %s; };
logging {
	channel file { file %s; severity info; print-time yes; print-category yes; print-severity yes; };
	category default { file; };
	category update { file; };
	category update-security { file; };
	category xfer-out { file; };
	category security { file; };
};
`, q(s.Dir), q(s.Dir), q(filepath.Join(s.Dir, "named.pid")), q(filepath.Join(s.Dir, "session.key")), q(s.Dir),
		o.Port, o.IP, q(o.Key.Name), o.Key.Algorithm, q(o.Key.Secret), q(s.logPath))
	if o.Control {
		port := FreePort(s.t, o.IP)
		rndcKey := NewKey("rndc-key.")
		conf := filepath.Join(s.Dir, "rndc.conf")
		rc := fmt.Sprintf("key %s { algorithm %s; secret %s; };\noptions { default-key %s; default-server %s; default-port %d; };\n",
			q(rndcKey.Name), rndcKey.Algorithm, q(rndcKey.Secret), q(rndcKey.Name), o.IP, port)
		if err := os.WriteFile(conf, []byte(rc), 0o600); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "key %s { algorithm %s; secret %s; };\ncontrols { inet %s port %d allow { %s; } keys { %s; }; };\n",
			q(rndcKey.Name), rndcKey.Algorithm, q(rndcKey.Secret), o.IP, port, o.IP, q(rndcKey.Name))
		s.control = []string{"rndc", "-c", conf}
	} else {
		// Without this, named opens rndc on 127.0.0.1:953 when a system
		// rndc.key exists, and a second test server would clash with it.
		b.WriteString("controls { };\n")
	}
	for _, z := range o.Zones {
		fmt.Fprintf(&b, "zone %s {\n\ttype primary;\n\tfile %s;\n\tallow-transfer { key %s; };\n", q(z.Name), q(s.zonePath(z)), q(o.Key.Name))
		if z.Signed {
			b.WriteString("\tdnssec-policy default;\n\tinline-signing yes;\n")
		}
		if z.Path == "" {
			// The permission the README recommends: the key may change
			// any name in the zone, and nothing else.
			fmt.Fprintf(&b, "\tupdate-policy { grant %s zonesub ANY; };\n", q(o.Key.Name))
		}
		b.WriteString("};\n")
	}
	conf := filepath.Join(s.Dir, "named.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	// -f: foreground with the configured logging; -n 1: one worker
	// thread, since tests share a small machine.
	return []string{"-f", "-4", "-n", "1", "-c", conf}, nil
}

func (s *Server) configureKnot(o Options) ([]string, error) {
	s.logPath = filepath.Join(s.Dir, "knot.log")
	sock := filepath.Join(s.Dir, "knot.sock")
	q := strconv.Quote
	var b strings.Builder
	// The database sizes bound LMDB's memory maps, which default to
	// gigabytes each.
	fmt.Fprintf(&b, `server:
    rundir: %s
    listen: %s@%d
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: %s
    any: info
database:
    storage: %s
    journal-db-max-size: 64M
    kasp-db-max-size: 16M
    timer-db-max-size: 16M
    catalog-db-max-size: 16M
control:
    listen: %s
key:
  - id: %s
    algorithm: %s
    secret: %s
acl:
  - id: transfer
    key: %s
    action: transfer
  - id: update
    key: %s
    action: update
template:
  - id: default
    storage: %s
    semantic-checks: on
    journal-content: changes
    zonefile-sync: -1
zone:
`, q(s.Dir), o.IP, o.Port, q(s.logPath), q(s.Dir), q(sock), q(o.Key.Name), o.Key.Algorithm, q(o.Key.Secret),
		q(o.Key.Name), q(o.Key.Name), q(s.Dir))
	for _, z := range o.Zones {
		acl := "[transfer, update]"
		if z.Path != "" {
			acl = "[transfer]"
		}
		fmt.Fprintf(&b, "  - domain: %s\n    file: %s\n    acl: %s\n", q(z.Name), q(s.zonePath(z)), acl)
		if z.Signed {
			b.WriteString("    dnssec-signing: on\n")
		}
	}
	conf := filepath.Join(s.Dir, "knot.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		return nil, err
	}
	if o.Control {
		s.control = []string{"knotc", "-c", conf, "-s", sock}
	}
	return []string{"-c", conf, "-s", sock}, nil
}

// waitReady polls until the server answers an SOA query for every one of
// zones with authority (and a DNSKEY query for a signed one), or with no
// zones any answer at all, the process exits, or startTimeout passes.
func (s *Server) waitReady(zones []Zone) error {
	deadline := time.Now().Add(startTimeout)
	c := &dns.Client{Net: "udp", Timeout: 250 * time.Millisecond}
	type probe struct {
		name  string
		qtype uint16
	}
	probes := []probe{{".", dns.TypeSOA}}
	if len(zones) > 0 {
		probes = probes[:0]
		for _, z := range zones {
			probes = append(probes, probe{z.Name, dns.TypeSOA})
			if z.Signed {
				probes = append(probes, probe{z.Name, dns.TypeDNSKEY})
			}
		}
	}
	for _, pr := range probes {
		for {
			select {
			case <-s.exited:
				return fmt.Errorf("%s exited before serving: %v", s.Kind, s.waitErr)
			default:
			}
			m := new(dns.Msg)
			m.SetQuestion(pr.name, pr.qtype)
			r, _, err := c.Exchange(m, s.Addr)
			// With no zone, any answer (REFUSED) shows the server is up.
			if err == nil && (len(zones) == 0 || (r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0)) {
				break
			}
			if time.Now().After(deadline) {
				if err == nil {
					err = fmt.Errorf("rcode %s, authoritative %v, %d answers", dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer))
				}
				return fmt.Errorf("%s at %s did not serve %s %s within %s: %v", s.Kind, s.Addr, pr.name, dns.TypeToString[pr.qtype], startTimeout, err)
			}
			time.Sleep(30 * time.Millisecond)
		}
	}
	return nil
}

// stop ends the server: SIGTERM, then SIGKILL after stopTimeout.
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// Log returns the server's log so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

func tail(s string) string {
	if len(s) > logTail {
		return "…" + s[len(s)-logTail:]
	}
	return s
}

// Host and Port are Addr's parts.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Addr); return h }

// Port is the port of Addr.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Control returns the argv prefix of the server's control command (BIND:
// "rndc -c CONF"; Knot: "knotc -c CONF -s SOCKET"), to which the test
// appends a command such as "reload example.test". It fails t unless the
// server was started with Options.Control.
func (s *Server) Control() []string {
	s.t.Helper()
	if s.control == nil {
		s.t.Fatalf("dnstest: %s was started without Options.Control", s.Kind)
	}
	return append([]string(nil), s.control...)
}

// Nsupdate runs BIND's nsupdate, signed with s.Key, against s for zone,
// with the given commands ("update add www.example.test. 300 A
// 192.0.2.1", "prereq nxrrset …"); "send" is added. It returns nsupdate's
// error, with its output, so that a test can expect a refusal.
func (s *Server) Nsupdate(zone string, commands ...string) error {
	s.t.Helper()
	Require(s.t, nsupdatePath)
	var in strings.Builder
	fmt.Fprintf(&in, "server %s %d\nzone %s\n", s.Host(), s.Port(), dns.Fqdn(zone))
	for _, c := range commands {
		in.WriteString(c + "\n")
	}
	in.WriteString("send\n")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nsupdatePath, "-y", s.Key.Algorithm+":"+s.Key.Name+":"+s.Key.Secret)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("nsupdate: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

func onInterface(ip string) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip {
			return true
		}
	}
	return false
}

// FreePort returns a port that is free for both UDP and TCP on each of
// ips (default 127.0.0.1) at the time of the call.
func FreePort(t testing.TB, ips ...string) int {
	t.Helper()
	if len(ips) == 0 {
		ips = []string{"127.0.0.1"}
	}
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		if err != nil {
			t.Fatalf("dnstest: finding a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if portFree(ips, port) {
			return port
		}
	}
	t.Fatalf("dnstest: no port free on %v after 50 tries", ips)
	return 0
}

func portFree(ips []string, port int) bool {
	for _, ip := range ips {
		addr := net.JoinHostPort(ip, strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		l.Close()
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		u.Close()
	}
	return true
}
