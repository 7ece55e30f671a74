package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveSetup varies startServeWith.
type serveSetup struct {
	// prepare edits the zones repository before it is pushed to origin.
	prepare func(t *testing.T, work string)
	// bare edits the bare origin after the push.
	bare func(t *testing.T, origin string)
	// remote maps origin's path to the --remote URL (default: the path).
	remote func(origin string) string
	// timeouts replace the daemon's.
	timeouts *timeouts
	// metrics is set when zoneward.yaml sets serve.metrics_listen.
	metrics bool
	// logw receives the daemon's log (default: discarded).
	logw io.Writer
	// branch is serve's --branch (default main).
	branch string
}

// startServeWith is startServe with its parts replaceable.
func startServeWith(t *testing.T, setup serveSetup) *served {
	t.Helper()
	work := newRepo(t)
	if setup.prepare != nil {
		setup.prepare(t, work)
	}
	origin := filepath.Join(t.TempDir(), "origin.git")
	git(t, work, "init", "-q", "--bare", "-b", "main", origin)
	git(t, work, "remote", "add", "origin", origin)
	git(t, work, "push", "-q", "origin", "main")
	if setup.bare != nil {
		setup.bare(t, origin)
	}
	remote := origin
	if setup.remote != nil {
		remote = setup.remote(origin)
	}
	logw := setup.logw
	if logw == nil {
		logw = io.Discard
	}
	dir := filepath.Join(t.TempDir(), "clone")
	t.Setenv("ZONEWARD_WEBHOOK_SECRET", webhookSecret)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 2)
	s := &served{t: t, work: work, zones: filepath.Join(dir, ".zoneward", "zones"), cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- runServe(ctx, &globals{repo: dir}, &serveOptions{remote: remote, listen: "127.0.0.1:0", ready: ready, timeouts: setup.timeouts, branch: setup.branch}, logw)
	}()
	for i := 0; i < 1 || (setup.metrics && i < 2); i++ {
		select {
		case addr := <-ready:
			if i == 0 {
				s.addr = addr
			} else {
				s.metricsAddr = addr
			}
		case err := <-s.done:
			cancel()
			t.Fatalf("serve stopped: %v", err)
		case <-time.After(30 * time.Second):
			cancel()
			t.Fatal("serve did not start")
		}
	}
	t.Cleanup(s.stop)
	return s
}

// short timeouts, so that the tests wait seconds rather than the
// production quarter-minute.
var short = &timeouts{header: time.Second, read: 2 * time.Second, write: 3 * time.Second, idle: 2 * time.Second}

// heapWatch samples the heap in use until stopped and reports the peak
// above what it was at the start (after a collection).
type heapWatch struct {
	base, peak uint64
	stop       chan struct{}
	done       chan struct{}
}

func watchHeap() *heapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &heapWatch{base: ms.HeapInuse, peak: ms.HeapInuse, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			h.peak = max(h.peak, ms.HeapInuse)
			select {
			case <-h.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return h
}

// grown stops the watch and returns the peak growth in MB.
func (h *heapWatch) grown() uint64 {
	close(h.stop)
	<-h.done
	return (h.peak - h.base) >> 20
}

// hostile is a raw client connection to the webhook.
type hostile struct {
	c net.Conn
}

func dialHostile(t *testing.T, addr string) *hostile {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &hostile{c: c}
}

// headers sends a webhook request's headers with a signature that cannot
// verify and a body of length n to come.
func (h *hostile) headers(n int) error {
	_, err := fmt.Fprintf(h.c, "POST /webhook HTTP/1.1\r\nHost: zoneward\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: push\r\nX-GitHub-Delivery: %d\r\nX-Hub-Signature-256: sha256=%064d\r\nContent-Length: %d\r\n\r\n", n, 0, n)
	return err
}

// send writes n bytes of body, stopping at the first error (the server
// refused and closed).
func (h *hostile) send(n int) error {
	chunk := bytes.Repeat([]byte{'{'}, 64<<10)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := h.c.Write(chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// closedWithin reports whether the server ends the connection within d:
// it answers and closes, or resets. Whatever it answered is returned.
func (h *hostile) closedWithin(d time.Duration) (bool, string) {
	h.c.SetReadDeadline(time.Now().Add(d))
	data, err := io.ReadAll(h.c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, string(data)
	}
	return true, string(data)
}

func status(resp string) int {
	line, _, _ := strings.Cut(resp, "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func metricValue(t *testing.T, metrics, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\d+)$`).FindStringSubmatch(metrics)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// manyBodiesLimit is what 30 senders of 25 MB bodies may make the daemon
// hold: the 4 bodies it reads at once, 25 MB each, and a quarter of that
// again for everything else. Without the cap the same senders took the
// heap in use from 2 MB to 837 MB on the machine this was written on.
const manyBodiesLimit = 125

// TestDaemonManyBodies: 30 connections with a bad signature each send a
// 25 MB body but its last byte, and hold. All but the four the daemon
// reads at once are refused with 503 before their body is read; those
// four are cut off by the read timeout; the heap stays under
// manyBodiesLimit MB; and a genuine delivery is served afterwards.
func TestDaemonManyBodies(t *testing.T) {
	// A read timeout long enough for all 30 to have sent their headers
	// while the first four hold the slots, even on a loaded machine: a
	// slot freed earlier would let a fifth body in, and the bound below
	// counts four.
	long := *short
	long.read, long.write = 5*time.Second, 6*time.Second
	s := startServeWith(t, serveSetup{timeouts: &long})
	s.waitRuns(1)
	const n, size = 30, 25<<20 - 1
	h := watchHeap()
	conns := make([]*hostile, n)
	var wg sync.WaitGroup
	for i := range conns {
		conns[i] = dialHostile(t, s.addr)
		wg.Go(func() {
			if conns[i].headers(size) == nil {
				conns[i].send(size - 1)
			}
		})
	}
	wg.Wait()
	grown := h.grown()
	t.Logf("heap in use grew by %d MB with %d senders of %d MB", grown, n, (size+1)>>20)
	if grown > manyBodiesLimit {
		t.Errorf("heap in use grew by %d MB, want at most %d", grown, manyBodiesLimit)
	}
	refused := 0
	for i, c := range conns {
		closed, resp := c.closedWithin(long.read + 5*time.Second)
		if !closed {
			t.Errorf("connection %d still open after the read timeout", i)
		}
		if status(resp) == http.StatusServiceUnavailable {
			refused++
		}
	}
	m := s.metrics()
	if got := metricValue(t, m, "zoneward_webhooks_refused_total"); got < n-maxBodies {
		t.Errorf("%d webhooks refused, want at least %d (all but the %d read at once); %d clients saw the 503", got, n-maxBodies, maxBodies, refused)
	}
	head := git(t, s.work, "rev-parse", "HEAD")
	if code, body := s.deliver("refs/heads/main", head, webhookSecret, "after-the-flood"); code != http.StatusAccepted {
		t.Errorf("a genuine delivery after the attack: %d %q", code, body)
	}
}

// TestDaemonSlowBodies: connections that send complete headers and then
// a byte of body every half second, and one that trickles its headers,
// are all closed by the timeouts; the heap barely moves; and the body
// slots they held are free again for GitHub.
func TestDaemonSlowBodies(t *testing.T) {
	s := startServeWith(t, serveSetup{timeouts: short})
	s.waitRuns(1)
	h := watchHeap()
	const n = 50
	conns := make([]*hostile, n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range conns {
		conns[i] = dialHostile(t, s.addr)
		wg.Go(func() {
			c := conns[i]
			if i == 0 {
				// Slowloris: headers a byte at a time.
				for _, b := range []byte("POST /webhook HTTP/1.1\r\nHost: zoneward\r\n") {
					if _, err := c.c.Write([]byte{b}); err != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
				return
			}
			if c.headers(1000) != nil {
				return
			}
			for {
				if _, err := c.c.Write([]byte{'{'}); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(500 * time.Millisecond):
				}
			}
		})
	}
	for i, c := range conns {
		if closed, _ := c.closedWithin(short.read + 5*time.Second); !closed {
			t.Errorf("slow connection %d still open after the timeouts", i)
		}
	}
	close(stop)
	wg.Wait()
	grown := h.grown()
	t.Logf("heap in use grew by %d MB with %d slow senders", grown, n)
	if grown > 16 {
		t.Errorf("heap in use grew by %d MB with slow senders, want at most 16", grown)
	}
	head := git(t, s.work, "rev-parse", "HEAD")
	if code, body := s.deliver("refs/heads/main", head, webhookSecret, "after-the-trickle"); code != http.StatusAccepted {
		t.Errorf("a genuine delivery after the slow senders: %d %q", code, body)
	}
}

// TestDaemonOversizedBody: a body declared over GitHub's 25 MB cap is
// refused with 413 before it is read.
func TestDaemonOversizedBody(t *testing.T) {
	s := startServeWith(t, serveSetup{timeouts: short})
	c := dialHostile(t, s.addr)
	if err := c.headers(25<<20 + 1); err != nil {
		t.Fatal(err)
	}
	closed, resp := c.closedWithin(5 * time.Second)
	if !closed || status(resp) != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: closed %v, response %q; want 413", closed, resp)
	}
}

// TestDaemonReplayedBody: the delivery ID is not signed, so a captured
// delivery resent under a fresh ID must run nothing.
func TestDaemonReplayedBody(t *testing.T) {
	s := startServe(t)
	s.waitRuns(1)
	edit(t, s.work, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	after := s.push("alice moves")
	if code, body := s.deliver("refs/heads/main", after, webhookSecret, "first"); code != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", code, body)
	}
	s.waitRuns(2)
	for _, id := range []string{"second", "third", ""} {
		if code, body := s.deliver("refs/heads/main", after, webhookSecret, id); code != http.StatusOK || !strings.Contains(body, "duplicate delivery ignored") {
			t.Errorf("replay under delivery ID %q: %d %q, want 200 and ignored", id, code, body)
		}
	}
	// Nothing was queued: a run would show within this time (the first
	// took far less).
	time.Sleep(time.Second)
	if m := runsRE.FindStringSubmatch(s.metrics()); m == nil || m[1] != "2" {
		t.Errorf("runs after the replays = %v, want still 2", m)
	}
}

// gitHTTP serves the bare repositories under root over Git's smart HTTP
// protocol (git http-backend, as CGI), to clients that authenticate as
// user with password.
func gitHTTP(t *testing.T, root, user, password string) *httptest.Server {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("git-http-backend is required in CI: %v", err)
		}
		t.Skipf("git-http-backend not installed: %v", err)
	}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="zones"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// syncBuffer is a log sink safe for the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestServeRemoteCredentials: credentials in --remote authenticate the
// clone and every fetch, and appear nowhere: not in the log, not in an
// error, not in the clone's configuration.
func TestServeRemoteCredentials(t *testing.T) {
	const user, password = "zw-deploy", "s3cr3t-Passw0rd"
	var gitSrv *httptest.Server
	logs := &syncBuffer{}
	s := startServeWith(t, serveSetup{
		logw: logs,
		remote: func(origin string) string {
			gitSrv = gitHTTP(t, filepath.Dir(origin), user, password)
			u := strings.Replace(gitSrv.URL, "http://", "http://"+user+":"+password+"@", 1)
			return u + "/" + filepath.Base(origin)
		},
	})
	s.waitRuns(1)
	// A push, fetched with the same credentials.
	edit(t, s.work, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.102")
	after := s.push("alice moves")
	if code, body := s.deliver("refs/heads/main", after, webhookSecret, "cred-1"); code != http.StatusAccepted {
		t.Fatalf("webhook: %d %s", code, body)
	}
	s.waitRuns(2)
	if !strings.Contains(s.zone("acme.dev"), "192.0.2.102") {
		t.Error("the push was not fetched with the URL's credentials")
	}
	cfg, err := os.ReadFile(filepath.Join(filepath.Dir(s.zones), "..", ".git", "config"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"the log": logs.String(), "the clone's .git/config": string(cfg)} {
		if strings.Contains(text, password) {
			t.Errorf("the password appears in %s:\n%s", what, text)
		}
	}

	// Refusals and failures name the remote without its password.
	for _, tc := range []struct{ name, remote string }{
		{"wrong password", strings.Replace(gitSrv.URL, "http://", "http://"+user+":not-"+password+"@", 1) + "/origin.git"},
		{"nothing listening", "https://" + user + ":" + password + "@127.0.0.1:1/zones.git"},
		{"not a URL", "https://" + user + ":" + password + "@127.0.0.1:bad port/zones.git"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			dir := filepath.Join(t.TempDir(), "clone")
			err := runServe(context.Background(), &globals{repo: dir}, &serveOptions{remote: tc.remote, listen: "127.0.0.1:0", timeouts: short}, logs)
			if err == nil {
				t.Fatal("serve started")
			}
			if strings.Contains(err.Error(), password) || strings.Contains(logs.String(), password) {
				t.Errorf("the password was printed: %v\n%s", err, logs.String())
			}
			if cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config")); bytes.Contains(cfg, []byte(password)) {
				t.Errorf("the password was written to .git/config:\n%s", cfg)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:pw@github.com/acme/z.git":    "https://u:xxxxx@github.com/acme/z.git",
		"https://ghp_token@github.com/acme/z":   "https://xxxxx@github.com/acme/z",
		"https://u:p w@host:bad/x":              "https://u:xxxxx@host:bad/x",
		"git@github.com:acme/z.git":             "git@github.com:acme/z.git",
		"/srv/git/zones.git":                    "/srv/git/zones.git",
		"https://github.com/acme/z.git":         "https://github.com/acme/z.git",
		"https://u:p%40ss@host/z.git?x=1#frag":  "https://u:xxxxx@host/z.git?x=1#frag",
		"http://a:b@c:d@host.invalid:bad/x.git": "http://a:xxxxx@host.invalid:bad/x.git",
		"#://:pw@":                              "#://:xxxxx@",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServeRemoteHeadMissing: a bare remote whose HEAD names a branch
// that does not exist (as after renaming the default branch) is served
// from the configured branch, as plain `git clone` copes with it.
func TestServeRemoteHeadMissing(t *testing.T) {
	s := startServeWith(t, serveSetup{bare: func(t *testing.T, origin string) {
		git(t, origin, "symbolic-ref", "HEAD", "refs/heads/trunk")
	}})
	s.waitRuns(1)
	if !strings.Contains(s.zone("acme.dev"), "192.0.2.100") {
		t.Errorf("nothing applied from the configured branch:\n%s", s.zone("acme.dev"))
	}
}

// TestServeMetricsListen: with serve.metrics_listen, /metrics is served
// there only, with the Go runtime's and the process's metrics, and the
// provider's requests by kind without a "total" that would count them
// twice.
func TestServeMetricsListen(t *testing.T) {
	s := startServeWith(t, serveSetup{metrics: true, prepare: func(t *testing.T, work string) {
		withCloudflare(t, work)
		data, err := os.ReadFile(filepath.Join(work, "zoneward.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		write(t, work, "zoneward.yaml", string(data)+"\nserve:\n  metrics_listen: 127.0.0.1:0\n")
		commitAll(t, work, "metrics apart")
	}})
	resp, err := http.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the webhook listener: %d, want 404", resp.StatusCode)
	}
	m := s.metricsAt(s.metricsAddr)
	deadline := time.Now().Add(60 * time.Second)
	for metricValue(t, m, `zoneward_reconcile_runs_total{kind="incremental",result="ok"}`) < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		m = s.metricsAt(s.metricsAddr)
	}
	for _, want := range []string{"go_goroutines ", "process_resident_memory_bytes ", `zoneward_provider_requests_total{kind="records_list"}`,
		"zoneward_provider_rate_limited_total 0", "zoneward_webhooks_refused_total 0"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(m, `kind="total"`) || strings.Contains(m, `kind="retries"`) {
		t.Errorf("provider requests carry a sum as a kind:\n%s", grepLines(m, "zoneward_provider"))
	}
}

func grepLines(s, substr string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}

// FuzzRedactURL: a password in a URL-like string never survives
// redaction.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"https://u:@host/x", "http://a:b@c:d@h/x", "https://u:p w@host:bad/x", "ssh://git:p@h:22/r", "https://u:p%40@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		const secret = "Zz9SECRETzZ9"
		scheme, rest, ok := strings.Cut(s, "://")
		if !ok {
			return
		}
		user, host, ok := strings.Cut(rest, "@")
		if !ok || strings.Contains(host, secret) || strings.Contains(scheme, secret) {
			return
		}
		in := scheme + "://" + user + ":" + secret + "@" + host
		if out := redactURL(in); strings.Contains(out, secret) {
			t.Errorf("redactURL(%q) = %q keeps the password", in, out)
		}
	})
}
