package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/audit"
)

// maxAuditTime bounds one scheduled audit, its issues included. The audit
// holds the daemon's queue, so a push waits for it; an estate whose
// targets all time out (a tenant can point thousands of records at a dead
// DNS host) would otherwise hold pushes for as long as its lookups take.
// A healthy audit of 10,000 zones takes under a second. An audit cut off
// here fails: the findings it had not finished are not known.
const maxAuditTime = 5 * time.Minute

// auditKinds and auditSeverities are every label value of the findings
// gauge: each combination is set on every audit, to zero when there is
// none, so that a fixed finding is seen to go and an alert on a kind
// need not tell "none" from "never measured".
var (
	auditKinds      = []audit.Kind{audit.Dangling, audit.Lame, audit.Claimable, audit.Unknown}
	auditSeverities = []audit.Severity{audit.Notice, audit.Warning, audit.Error}
)

// auditMetrics are the scheduled audit's. A failed audit changes neither
// the findings nor the last success: the gauge keeps what the last audit
// that answered found, and its age is in
// zoneward_audit_last_success_timestamp_seconds, which starts at 0 (never)
// so that an alert on its age fires for a daemon whose audits all fail.
type auditMetrics struct {
	findings    *prometheus.GaugeVec
	runs        *prometheus.CounterVec
	issueErrors prometheus.Counter
	last        prometheus.Gauge
	lastSuccess prometheus.Gauge
	duration    prometheus.Gauge
}

func newAuditMetrics(reg prometheus.Registerer) *auditMetrics {
	m := &auditMetrics{
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoneward_audit_findings",
			Help: "Findings of the last audit that completed, by kind and severity; kept when an audit fails."}, []string{"kind", "severity"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoneward_audit_runs_total",
			Help: "Scheduled audits by result: error when no resolver answered, the repository could not be read, or the audit ran out of time."}, []string{"result"}),
		issueErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "zoneward_audit_issue_errors_total",
			Help: "Audits whose findings could not all be written to GitHub issues."}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{Name: "zoneward_audit_last_timestamp_seconds",
			Help: "When the last audit ended, whether it completed or failed."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "zoneward_audit_last_success_timestamp_seconds",
			Help: "When the last audit completed (0: never); zoneward_audit_findings is from then."}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "zoneward_audit_duration_seconds",
			Help: "How long the last audit took."}),
	}
	for _, r := range []string{"ok", "error"} {
		m.runs.WithLabelValues(r) // exported at 0 from the start, so that rate() sees the first one
	}
	reg.MustRegister(m.findings, m.runs, m.issueErrors, m.last, m.lastSuccess, m.duration)
	return m
}

// set replaces the findings gauge with what rep found.
func (m *auditMetrics) set(rep *audit.Report) {
	n := map[audit.Kind]map[audit.Severity]int{}
	for _, f := range rep.Findings {
		if n[f.Kind] == nil {
			n[f.Kind] = map[audit.Severity]int{}
		}
		n[f.Kind][f.Severity]++
	}
	for _, k := range auditKinds {
		for _, s := range auditSeverities {
			m.findings.WithLabelValues(string(k), s.String()).Set(float64(n[k][s]))
		}
	}
}

// scheduleAudit runs the takeover audit on spec (serve.audit_schedule),
// through the daemon's queue, and once now, so that the gauge is filled
// from the start rather than a schedule's period after every restart.
// An empty spec schedules nothing and exports no audit metrics.
func (d *daemon) scheduleAudit(c *cron.Cron, spec string) error {
	if spec == "" {
		return nil
	}
	if _, err := c.AddFunc(spec, func() { d.trigger(runAuditKind) }); err != nil {
		return fmt.Errorf("serve.audit_schedule %q: %w", spec, err)
	}
	d.m.audit = newAuditMetrics(d.m.reg)
	d.trigger(runAuditKind)
	return nil
}

// audit runs the takeover audit at the branch's fetched revision and, with
// the github block, keeps its issues, as `audit --issues` does. A shutdown
// during it records nothing: the audit neither completed nor failed.
func (d *daemon) audit(ctx context.Context) {
	if d.m.audit == nil {
		d.m.audit = newAuditMetrics(d.m.reg)
	}
	m := d.m.audit
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, maxAuditTime)
	defer cancel()
	rep, rev, label, err := d.auditRevision(actx)
	if ctx.Err() != nil {
		return
	}
	took := time.Since(start)
	m.duration.Set(took.Seconds())
	m.last.SetToCurrentTime()
	log := d.log.With("kind", runAuditKind.String(), "revision", rev)
	if err != nil {
		m.runs.WithLabelValues("error").Inc()
		log.Error("audit failed; zoneward_audit_findings keeps the last completed audit's values", "err", err, "duration", took)
		return
	}
	m.runs.WithLabelValues("ok").Inc()
	m.set(rep)
	m.lastSuccess.SetToCurrentTime()
	log.Info("audited", "zones", len(rep.Zones), "records", rep.Records, "error", rep.Count(audit.Error),
		"warning", rep.Count(audit.Warning), "notice", rep.Count(audit.Notice), "queries", rep.Queries, "duration", took)
	gh := d.runner.gh
	if gh == nil {
		return
	}
	res, err := syncAuditIssues(actx, gh, label, rep, rev)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		m.issueErrors.Inc()
		log.Error("keeping the audit's issues", "repository", gh.Repository(), "err", err)
		return
	}
	log.Info("audit issues", "repository", gh.Repository(), "opened", len(res.Opened), "edited", len(res.Edited),
		"reopened", len(res.Reopened), "closed", len(res.Closed), "unchanged", len(res.Unchanged),
		"silenced", len(res.Silenced), "deferred", res.Deferred)
}

// auditRevision fetches the branch and audits its commit with that
// commit's zoneward.yaml, and returns the report, the commit and the
// issue label. The files audited are those a run would apply: repository
// access counts, as in a sweep.
func (d *daemon) auditRevision(ctx context.Context) (*audit.Report, string, string, error) {
	rev, err := d.fetch(ctx)
	if err != nil {
		return nil, "", "", fmt.Errorf("fetching the zones repository: %w", err)
	}
	l, err := load(ctx, &globals{repo: d.runner.dir, rev: rev}, d.runner.access())
	if err != nil {
		return nil, rev, "", err
	}
	defer l.close()
	cfg := l.repo.Config
	rep, err := auditDesired(ctx, cfg, reconcile.NewDesired(l.repo, l.grants, l.rev), nil)
	return rep, rev, cfg.Audit.IssueLabel, err
}
