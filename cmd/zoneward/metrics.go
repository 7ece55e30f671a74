package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zoneward/zoneward/reconcile"
)

// metrics are the daemon's, in a registry of its own rather than the
// library's global one, so tests can run several daemons. The registry
// also holds the Go runtime's and the process's metrics.
type metrics struct {
	reg         *prometheus.Registry
	handler     http.Handler
	runs        *prometheus.CounterVec
	duration    prometheus.Summary
	applied     prometheus.Counter
	errors      prometheus.Counter
	refused     prometheus.Counter
	zones       *prometheus.GaugeVec
	revision    *prometheus.GaugeVec
	lastSuccess prometheus.Gauge
	audit       *auditMetrics // nil without serve.audit_schedule
}

func newMetrics(p reconcile.Provider) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zoneward_reconcile_runs_total",
			Help: "Reconcile runs by kind and result."}, []string{"kind", "result"}),
		duration: prometheus.NewSummary(prometheus.SummaryOpts{Name: "zoneward_reconcile_duration_seconds",
			Help: "Time spent in reconcile runs."}),
		applied: prometheus.NewCounter(prometheus.CounterOpts{Name: "zoneward_changes_applied_total",
			Help: "Record changes applied."}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "zoneward_errors_total",
			Help: "Failed reconcile runs."}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "zoneward_webhooks_refused_total",
			Help: "Webhooks answered 503 because as many bodies as the daemon reads at once were being read."}),
		zones: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoneward_zones",
			Help: "Zones seen by the last run, by provider state."}, []string{"state"}),
		revision: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "zoneward_last_applied_revision_info",
			Help: "The last revision applied without error."}, []string{"revision"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "zoneward_last_success_timestamp_seconds",
			Help: "When the last run succeeded."}),
	}
	reg := prometheus.NewRegistry()
	m.reg = reg
	reg.MustRegister(m.runs, m.duration, m.applied, m.errors, m.refused, m.zones, m.revision, m.lastSuccess,
		providerCollector{p},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

var (
	requestsDesc = prometheus.NewDesc("zoneward_provider_requests_total",
		"Provider API requests, by kind; their sum is every request.", []string{"kind"}, nil)
	retriesDesc = prometheus.NewDesc("zoneward_provider_retries_total",
		"Provider API requests that repeated an earlier attempt (counted in their kind too).", nil, nil)
	rateLimitedDesc = prometheus.NewDesc("zoneward_provider_rate_limited_total",
		"Provider API responses that were rate limits (429).", nil, nil)
)

// providerCollector reads the provider's request counts at each scrape.
type providerCollector struct{ p reconcile.Provider }

func (providerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- retriesDesc
	ch <- rateLimitedDesc
}

func (c providerCollector) Collect(ch chan<- prometheus.Metric) {
	for k, v := range providerStats(c.p) {
		// Retries and rate-limited answers are requests of some kind too:
		// counters of their own, so that a sum over kinds counts each
		// request once.
		switch k {
		case "retries":
			ch <- prometheus.MustNewConstMetric(retriesDesc, prometheus.CounterValue, float64(v))
		case "rate_limited":
			ch <- prometheus.MustNewConstMetric(rateLimitedDesc, prometheus.CounterValue, float64(v))
		default:
			ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(v), k)
		}
	}
}
