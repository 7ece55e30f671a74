package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
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
)

func (k runKind) String() string {
	if k == runSweep {
		return "sweep"
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

	// queue holds at most one pending run: a webhook during a run queues
	// one follow-up, and further webhooks fold into it.
	queue chan runKind

	mu          sync.Mutex // guards the fields below
	pending     runKind    // the kind of the queued run (a sweep absorbs an incremental)
	sweepCursor int
	lastActive  map[string]bool // file → active at the last run, to find access revocations
	m           metrics
}

func newDaemon(r *runner, branch string, secret []byte, log *slog.Logger) *daemon {
	return &daemon{runner: r, branch: branch, secret: secret, log: log, queue: make(chan runKind, 1)}
}

// trigger queues a run of kind k unless one is already queued; a queued
// incremental run is upgraded to a sweep.
func (d *daemon) trigger(k runKind) {
	d.mu.Lock()
	if k > d.pending {
		d.pending = k
	}
	d.mu.Unlock()
	select {
	case d.queue <- k:
	default: // already queued; the pending kind was updated above
	}
}

// loop runs queued reconciles until ctx is done. It never runs two at once.
func (d *daemon) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.queue:
		}
		d.mu.Lock()
		k := d.pending
		d.pending = 0
		d.mu.Unlock()
		if k == 0 {
			continue
		}
		d.reconcile(ctx, k)
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
		o.zones, err = d.sweepZones(ctx, rev)
		if err != nil {
			d.finish(k, start, nil, rev, err)
			log.Error("choosing the zones to sweep", "err", err)
			return
		}
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
	b, ok := p.(interface{ Budget() (int, time.Duration) })
	if !ok || every <= 0 {
		return 0
	}
	requests, per := b.Budget()
	if requests <= 0 || per <= 0 {
		return 0
	}
	return max(1, int(float64(requests)*every.Seconds()/per.Seconds()*0.8))
}

// sweepZones picks this sweep's zones: the next batch of every zone in
// turn, plus every zone with a file whose grant flipped since the last run
// (an access revocation makes no push).
func (d *daemon) sweepZones(ctx context.Context, rev string) ([]string, error) {
	l, err := load(ctx, &globals{repo: d.runner.dir, rev: rev}, d.runner.access())
	if err != nil {
		return nil, err
	}
	defer l.close()
	all, err := allZones(ctx, l, d.runner.provider)
	if err != nil {
		return nil, err
	}
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
	return uniq(zones), nil
}

// ServeHTTP routes /webhook, /healthz and /metrics.
func (d *daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/webhook":
		d.webhook(w, r)
	case "/healthz":
		io.WriteString(w, "ok\n")
	case "/metrics":
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		d.writeMetrics(w)
	default:
		http.NotFound(w, r)
	}
}

func (d *daemon) webhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	event, delivery, payload, err := github.VerifyWebhook(r, d.secret)
	if errors.Is(err, github.ErrBadSignature) {
		d.log.Warn("webhook with a bad signature", "remote", r.RemoteAddr)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if delivery != "" && d.deliveries.Seen(delivery) {
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

// metrics are the daemon's counters, exposed in Prometheus's text format.
// They live on the daemon, not in globals, so tests can run several.
type metrics struct {
	runs         map[string]int // "kind,result" → count
	durationSum  float64
	durationN    int
	applied      int
	errors       int
	zonesByState map[string]int
	lastRevision string
	lastSuccess  time.Time
}

func (d *daemon) finish(k runKind, start time.Time, out *runOutcome, rev string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := &d.m
	if m.runs == nil {
		m.runs = map[string]int{}
	}
	result := "ok"
	if err != nil {
		result = "error"
		m.errors++
	}
	m.runs[k.String()+","+result]++
	m.durationSum += time.Since(start).Seconds()
	m.durationN++
	if out == nil {
		return
	}
	if out.result != nil {
		for _, z := range out.result.Zones {
			m.applied += z.Applied
		}
	}
	m.zonesByState = map[string]int{}
	for _, zp := range out.plan.Zones {
		st := "unknown"
		switch {
		case zp.Status != nil:
			st = string(zp.Status.State)
		case zp.Err == nil:
			st = string(reconcile.ZoneActive)
		}
		m.zonesByState[st]++
	}
	if err == nil {
		m.lastRevision, m.lastSuccess = rev, time.Now()
	}
}

func (d *daemon) writeMetrics(w io.Writer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.m
	var b strings.Builder
	b.WriteString("# HELP zoneward_reconcile_runs_total Reconcile runs by kind and result.\n# TYPE zoneward_reconcile_runs_total counter\n")
	for _, k := range sortedKeys(m.runs) {
		kind, result, _ := strings.Cut(k, ",")
		fmt.Fprintf(&b, "zoneward_reconcile_runs_total{kind=%q,result=%q} %d\n", kind, result, m.runs[k])
	}
	fmt.Fprintf(&b, "# HELP zoneward_reconcile_duration_seconds Time spent in reconcile runs.\n# TYPE zoneward_reconcile_duration_seconds summary\nzoneward_reconcile_duration_seconds_sum %g\nzoneward_reconcile_duration_seconds_count %d\n", m.durationSum, m.durationN)
	fmt.Fprintf(&b, "# HELP zoneward_changes_applied_total Record changes applied.\n# TYPE zoneward_changes_applied_total counter\nzoneward_changes_applied_total %d\n", m.applied)
	fmt.Fprintf(&b, "# HELP zoneward_errors_total Failed reconcile runs.\n# TYPE zoneward_errors_total counter\nzoneward_errors_total %d\n", m.errors)
	b.WriteString("# HELP zoneward_zones Zones seen by the last run, by provider state.\n# TYPE zoneward_zones gauge\n")
	for _, st := range sortedKeys(m.zonesByState) {
		fmt.Fprintf(&b, "zoneward_zones{state=%q} %d\n", st, m.zonesByState[st])
	}
	if stats := providerStats(d.runner.provider); stats != nil {
		b.WriteString("# HELP zoneward_provider_requests_total Provider API requests, by kind.\n# TYPE zoneward_provider_requests_total counter\n")
		for _, k := range sortedKeys(stats) {
			fmt.Fprintf(&b, "zoneward_provider_requests_total{kind=%q} %d\n", k, stats[k])
		}
	}
	if m.lastRevision != "" {
		fmt.Fprintf(&b, "# HELP zoneward_last_applied_revision_info The last revision applied without error.\n# TYPE zoneward_last_applied_revision_info gauge\nzoneward_last_applied_revision_info{revision=%q} 1\n", m.lastRevision)
		fmt.Fprintf(&b, "# HELP zoneward_last_success_timestamp_seconds When the last run succeeded.\n# TYPE zoneward_last_success_timestamp_seconds gauge\nzoneward_last_success_timestamp_seconds %d\n", m.lastSuccess.Unix())
	}
	io.WriteString(w, b.String())
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
