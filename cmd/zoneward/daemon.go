package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/reconcile"
)

// runKind is what a queued run does.
type runKind int

const (
	runIncremental runKind = iota + 1 // a push: the zones changed since the last applied revision
	runSweep                          // the schedule: access re-checks and drift, over every zone in turn
	runAuditKind                      // serve.audit_schedule: the takeover audit (serve_audit.go)
)

func (k runKind) String() string {
	switch k {
	case runSweep:
		return "sweep"
	case runAuditKind:
		return "audit"
	}
	return "incremental"
}

// daemon is `zoneward serve`: it reconciles on pushes (webhooks) and on a
// schedule, one run at a time.
type daemon struct {
	runner *runner
	branch string
	secret []byte
	// fetch brings the repository up to date and returns the commit of
	// the configured branch to reconcile.
	fetch func(ctx context.Context) (string, error)
	// sweepBatch bounds the zones one sweep reads, so that a sweep of a
	// large estate is spread over successive runs at the provider's rate
	// instead of exhausting the budget in one; 0 means every zone.
	sweepBatch int
	log        *slog.Logger
	deliveries github.Deliveries
	// bodies holds a token for each webhook body being read; when none is
	// left a webhook is refused at once. See maxBodies.
	bodies chan struct{}
	// separateMetrics is set when /metrics has its own listener
	// (serve.metrics_listen), so the webhook listener does not answer it.
	separateMetrics bool

	// queue holds at most one pending run: a webhook during a run queues
	// one follow-up, and further webhooks fold into it.
	queue chan runKind

	mu          sync.Mutex // guards the fields below
	pending     runKind    // the kind of the queued run (a sweep absorbs an incremental)
	auditQueued bool       // an audit waits too: it absorbs nothing, and nothing absorbs it
	sweepCursor int
	lastActive  map[string]bool // file → active at the last run, to find access revocations

	m *metrics
}

// maxBodies bounds the webhook bodies read at once. Each may hold up to
// GitHub's 25 MB until its signature is checked, so this bounds what
// unauthenticated senders can make the daemon hold to 4 × 25 MB, and each
// slot for at most bodyTimeout. GitHub delivers a repository's events one
// by one, and a delivery's body arrives in milliseconds, so GitHub alone
// never takes the four. A sender who can reach the listener can keep
// them taken, five seconds at a time: a delivery refused meanwhile with
// 503 shows in the webhook's Recent Deliveries, and its changes are
// applied by the next push or sweep. In production a reverse proxy that
// buffers request bodies in front of the daemon takes that load instead
// (see the README).
const maxBodies = 4

func newDaemon(r *runner, branch string, secret []byte, log *slog.Logger) *daemon {
	d := &daemon{runner: r, branch: branch, secret: secret, log: log,
		queue: make(chan runKind, 1), bodies: make(chan struct{}, maxBodies)}
	d.m = newMetrics(r.provider)
	return d
}

// trigger queues a run of kind k unless one is already queued; a queued
// incremental run is upgraded to a sweep. An audit is queued beside them.
func (d *daemon) trigger(k runKind) {
	d.mu.Lock()
	if k == runAuditKind {
		d.auditQueued = true
	} else if k > d.pending {
		d.pending = k
	}
	d.mu.Unlock()
	select {
	case d.queue <- k:
	default: // already queued; the pending kind was updated above
	}
}

// loop runs queued reconciles and audits until ctx is done. It never runs
// two at once: a queued reconcile goes first, then a queued audit.
func (d *daemon) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.queue:
		}
		d.mu.Lock()
		k, audit := d.pending, d.auditQueued
		d.pending, d.auditQueued = 0, false
		d.mu.Unlock()
		if k != 0 {
			d.reconcile(ctx, k)
		}
		if audit && ctx.Err() == nil {
			d.audit(ctx)
		}
	}
}

// reconcile runs once. A shutdown during a run lets the zone being applied
// finish (each provider's write is atomic per zone) and starts no other.
func (d *daemon) reconcile(ctx context.Context, k runKind) {
	start := time.Now()
	log := d.log.With("kind", k.String())
	rev, err := d.fetch(ctx)
	if err != nil {
		d.finish(k, start, nil, "", err)
		log.Error("fetching the zones repository", "err", err)
		return
	}
	o := runOptions{rev: rev, apply: true}
	if k == runIncremental {
		o.since = "last"
	} else {
		o.pick = d.sweepZones
	}
	out, err := d.runner.run(ctx, o)
	if err == nil {
		err = out.result.Err()
	}
	d.finish(k, start, out, rev, err)
	if err != nil {
		log.Error("reconcile failed", "revision", rev, "err", err, "duration", time.Since(start))
		return
	}
	c, u, del := out.plan.Changes()
	log.Info("reconciled", "revision", rev, "zones", len(out.plan.Zones), "create", c, "update", u, "delete", del,
		"duration", time.Since(start))
}

// sweepBatchFor sizes a sweep so that it fits the provider's budget
// between two scheduled runs: a sweep costs about one request per zone
// (its records), and a fifth of the budget is left for pushes. It returns
// 0 (every zone) for providers without a budget or schedules that are not
// a fixed interval.
func sweepBatchFor(p reconcile.Provider, every time.Duration) int {
	b, ok := p.(reconcile.Budgeted)
	if !ok || every <= 0 {
		return 0
	}
	requests, per := b.Budget()
	if requests <= 0 || per <= 0 {
		return 0
	}
	return max(1, int(float64(requests)*every.Seconds()/per.Seconds()*0.8))
}

// sweepZones picks this sweep's zones from all, every zone of the
// repository and the provider: the next batch of them in turn, plus every
// zone with a file whose grant flipped since the last run (an access
// revocation makes no push). l is the repository listed at the sweep's
// revision, with every file's grant.
func (d *daemon) sweepZones(l *loaded, all []string) []string {
	sort.Strings(all)
	d.mu.Lock()
	defer d.mu.Unlock()
	var zones []string
	if d.sweepBatch <= 0 || d.sweepBatch >= len(all) {
		zones = all
	} else {
		for i := 0; i < d.sweepBatch; i++ {
			zones = append(zones, all[(d.sweepCursor+i)%len(all)])
		}
		d.sweepCursor = (d.sweepCursor + d.sweepBatch) % len(all)
	}
	active := map[string]bool{}
	for _, f := range l.repo.Files {
		active[f.Path] = l.grants[f.Path].Active
		if was, ok := d.lastActive[f.Path]; ok && was != active[f.Path] {
			zones = append(zones, f.Zone)
		}
	}
	d.lastActive = active
	return uniq(zones)
}

// ServeHTTP routes /webhook, /healthz and, unless it has a listener of
// its own, /metrics.
func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/webhook":
		d.webhook(w, r)
	case "/healthz":
		io.WriteString(w, "ok\n")
	case "/metrics":
		if d.separateMetrics {
			http.NotFound(w, r)
			return
		}
		d.m.handler.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// bodyTimeout bounds the reading of one webhook body. GitHub's are at most
// 25 MB and arrive from its datacentres in well under a second.
const bodyTimeout = 5 * time.Second

func (d *daemon) webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	select {
	case d.bodies <- struct{}{}:
	default:
		// Refused before a byte of the body is read: the server then
		// closes the connection rather than drain a large body.
		d.m.refused.Inc()
		w.Header().Set("Retry-After", "10")
		http.Error(w, "busy: too many webhook bodies being read", http.StatusServiceUnavailable)
		return
	}
	// GitHub sends a delivery's body at once; a sender trickling one holds
	// a reading slot only this long, not the server's whole read timeout.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyTimeout))
	event, delivery, payload, err := github.VerifyWebhook(r, d.secret)
	<-d.bodies
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, github.ErrBadSignature):
		d.log.Warn("webhook with a bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	case errors.As(err, &tooLarge):
		http.Error(w, "payload over GitHub's 25 MB limit", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if d.deliveries.Seen(delivery, payload) {
		io.WriteString(w, "duplicate delivery ignored\n")
		return
	}
	if event != "push" {
		fmt.Fprintf(w, "%s event ignored\n", event)
		return
	}
	p, err := github.ParsePush(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if p.Branch != d.branch || p.Deleted {
		fmt.Fprintf(w, "push to %s ignored\n", p.Ref)
		return
	}
	d.log.Info("push", "ref", p.Ref, "after", p.After, "delivery", delivery)
	d.trigger(runIncremental)
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "reconcile queued\n")
}

func (d *daemon) finish(k runKind, start time.Time, out *runOutcome, rev string, err error) {
	m := d.m
	result := "ok"
	if err != nil {
		result = "error"
		m.errors.Inc()
	}
	m.runs.WithLabelValues(k.String(), result).Inc()
	m.duration.Observe(time.Since(start).Seconds())
	if out == nil {
		return
	}
	if out.result != nil {
		for _, z := range out.result.Zones {
			m.applied.Add(float64(z.Applied))
		}
	}
	m.zones.Reset()
	for _, zp := range out.plan.Zones {
		st := "unknown"
		switch {
		case zp.Status != nil:
			st = string(zp.Status.State)
		case zp.Err == nil:
			st = string(reconcile.ZoneActive)
		}
		m.zones.WithLabelValues(st).Inc()
	}
	if err == nil {
		m.revision.Reset()
		m.revision.WithLabelValues(rev).Set(1)
		m.lastSuccess.SetToCurrentTime()
	}
}
