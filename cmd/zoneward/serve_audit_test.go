package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoneward/zoneward/github/githubtest"
	"github.com/zoneward/zoneward/reconcile/audit/audittest"
)

// sample returns the value of the sample series (a name with its labels,
// as exposed) in a scrape, and whether it is there.
func sample(metrics, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(metrics)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// waitMetric scrapes until cond holds of the scrape, and returns it.
func (s *served) waitMetric(what string, cond func(m string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := s.metrics(); cond(m) {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("waiting for %s:\n%s", what, s.metrics())
	return ""
}

// atLeast is a condition on a scrape: series is there with at least v.
func atLeast(series string, v float64) func(string) bool {
	return func(m string) bool { got, ok := sample(m, series); return ok && got >= v }
}

const (
	auditOK     = `zoneward_audit_runs_total{result="ok"}`
	auditFailed = `zoneward_audit_runs_total{result="error"}`
	danglingErr = `zoneward_audit_findings{kind="dangling",severity="error"}`
	lameErr     = `zoneward_audit_findings{kind="lame delegation",severity="error"}`
	lastSuccess = `zoneward_audit_last_success_timestamp_seconds`
)

// TestServeScheduledAudit: serve.audit_schedule runs the audit against
// the branch as fetched: its findings are a gauge by kind and severity, and
// an issue each on GitHub; a fix pushed to the branch (no webhook) clears
// its finding and closes its issue naming the revision; and while no
// resolver answers, audits fail and count, and the gauge keeps the last
// completed audit's values, as do the issues.
func TestServeScheduledAudit(t *testing.T) {
	var res *audittest.Resolver
	var gh *githubtest.Server
	logs := &syncBuffer{}
	s := startServeWith(t, serveSetup{logw: logs, prepare: func(t *testing.T, work string) {
		res, _ = withResolver(t, work)
		gh = withGitHub(t, work)
		write(t, work, "zoneward.yaml", readFile(t, work, "zoneward.yaml")+"serve:\n  audit_schedule: '@every 1s'\n")
		commitAll(t, work, "audit every second")
	}})

	m := s.waitMetric("a completed audit", atLeast(auditOK, 1))
	for series, want := range map[string]float64{
		danglingErr: 1, lameErr: 2,
		`zoneward_audit_findings{kind="claimable",severity="error"}`:  0,
		`zoneward_audit_findings{kind="unknown",severity="notice"}`:   0,
		`zoneward_audit_findings{kind="dangling",severity="warning"}`: 0,
	} {
		if got, ok := sample(m, series); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if ts, _ := sample(m, lastSuccess); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("%s = %v, not the audit just done", lastSuccess, ts)
	}
	if _, ok := sample(m, "zoneward_audit_duration_seconds"); !ok {
		t.Errorf("no audit duration:\n%s", m)
	}
	waitIssues(t, gh, func(is []githubtest.Issue) bool { return len(is) == 3 && open(is) == 3 })
	var www githubtest.Issue
	for _, is := range gh.Issues() {
		if is.Title == "DNS dangling: www.example.com. CNAME" {
			www = is
		}
	}
	if !strings.Contains(www.Body, "**Owners:** @alice @acme/dns-admins") {
		t.Errorf("issue for www:\n%+v", www)
	}

	// alice fixes her record; the next audit fetches the branch itself.
	edit(t, s.work, "zones/example.com.yaml", "shop.hosting.example.net.", "mx1.mailhost.example.net.")
	fix := s.push("alice points www at a host that exists")
	s.waitMetric("the fix audited", func(m string) bool { v, ok := sample(m, danglingErr); return ok && v == 0 })
	waitIssues(t, gh, func(is []githubtest.Issue) bool { return open(is) == 2 })
	for _, is := range gh.Issues() {
		if is.Number == www.Number && (is.State != "closed" || !strings.Contains(is.Body, "no longer finds this at revision `"+fix+"`")) {
			t.Errorf("www's issue after the fix: %s\n%s", is.State, is.Body)
		}
	}

	// No resolver answers: audits fail, and change neither the gauge nor
	// the last success, nor any issue.
	res.Drop(".", true)
	failed, _ := sample(s.metrics(), auditFailed)
	m = s.waitMetric("a failed audit", atLeast(auditFailed, failed+1))
	ok0, _ := sample(m, auditOK)
	last0, _ := sample(m, lastSuccess)
	m = s.waitMetric("another failed audit", atLeast(auditFailed, failed+2))
	if ok, _ := sample(m, auditOK); ok != ok0 {
		t.Fatalf("an audit completed while no resolver answered: %v, then %v", ok0, ok)
	}
	for series, want := range map[string]float64{danglingErr: 0, lameErr: 2, lastSuccess: last0} {
		if got, ok := sample(m, series); !ok || got != want {
			t.Errorf("after failed audits %s = %v (present %v), want %v: a failed audit must keep the last values", series, got, ok, want)
		}
	}
	if open(gh.Issues()) != 2 {
		t.Errorf("a failed audit changed the issues: %+v", gh.Issues())
	}
	if !strings.Contains(logs.String(), "audit failed") || !strings.Contains(logs.String(), "no resolver answered") {
		t.Errorf("the failure is not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "gh-secret-token") {
		t.Error("the GitHub token reached the log")
	}

	// The resolver is back: the next audit completes again.
	res.Drop(".", false)
	s.waitMetric("an audit after the resolver is back", atLeast(auditOK, ok0+1))
}

func open(is []githubtest.Issue) int {
	n := 0
	for _, i := range is {
		if i.State == "open" {
			n++
		}
	}
	return n
}

func waitIssues(t *testing.T, gh *githubtest.Server, cond func([]githubtest.Issue) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond(gh.Issues()) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("issues: %+v", gh.Issues())
}

// TestDaemonQueueAudit: an audit never runs beside a reconcile or another
// audit; audits triggered during a run fold into one, which neither
// absorbs a queued sweep nor is absorbed by it; and an audit that fails
// exports no findings and no success.
func TestDaemonQueueAudit(t *testing.T) {
	d := newDaemon(&runner{}, "main", []byte("s"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.m.audit = newAuditMetrics(d.m.reg)
	var running, maxRunning atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	d.fetch = func(ctx context.Context) (string, error) {
		n := running.Add(1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		started <- struct{}{}
		<-release
		running.Add(-1)
		return "", errors.New("test: no repository")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.loop(ctx) })

	d.trigger(runIncremental)
	<-started
	for range 3 {
		d.trigger(runAuditKind)
	}
	d.trigger(runSweep)
	for range 2 {
		d.trigger(runAuditKind)
		d.trigger(runIncremental)
	}
	release <- struct{}{} // the incremental ends
	<-started             // the sweep: the incremental folded into it
	release <- struct{}{}
	<-started // one audit for the five triggered
	d.trigger(runIncremental)
	select {
	case <-started:
		t.Errorf("a push during an audit started a reconcile beside it")
		release <- struct{}{}
	case <-time.After(200 * time.Millisecond):
		release <- struct{}{}
		<-started // the incremental, once the audit is over
	}
	release <- struct{}{}
	select {
	case <-started:
		t.Errorf("a fifth run started: audits during a run must fold into one")
		release <- struct{}{}
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	wg.Wait()
	if maxRunning.Load() != 1 {
		t.Errorf("%d runs at once, want 1", maxRunning.Load())
	}
	m := scrape(t, d)
	for _, want := range []string{
		`zoneward_reconcile_runs_total{kind="incremental",result="error"} 2`,
		`zoneward_reconcile_runs_total{kind="sweep",result="error"} 1`,
		auditFailed + " 1", auditOK + " 0", lastSuccess + " 0",
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "zoneward_audit_findings{") {
		t.Errorf("a failed audit exported findings:\n%s", m)
	}
}
