package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/pipeline"
)

// metrics are digestd's Prometheus metrics. They live on a registry of their
// own, made per app rather than in init, so every test (and every app in
// one process) starts from zero.
type metrics struct {
	registry      *prometheus.Registry
	papersFetched *prometheus.CounterVec
	fetchErrors   *prometheus.CounterVec
	digestsBuilt  prometheus.Counter
	digestsSent   prometheus.Counter
	digestsFailed prometheus.Counter
	digestsMaybe  prometheus.Counter
	passes        *prometheus.CounterVec
	passDuration  prometheus.Histogram
	// Recorded by the delivery engine through digest.DeliveryObserver.
	sendDuration   prometheus.Histogram
	digestsBounced prometheus.Counter
	digestsExpired prometheus.Counter
}

var (
	_ digest.FetchObserver    = (*metrics)(nil)
	_ digest.DeliveryObserver = (*metrics)(nil)
)

// newMetrics registers every metric, the database-derived gauges of state
// and the Go runtime and process collectors.
func newMetrics(state prometheus.Collector) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "digestd", Name: name, Help: help})
	}
	m.papersFetched = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "digestd",
		Name: "papers_fetched_total", Help: "Papers the sources returned, by source."}, []string{"source"})
	m.fetchErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "digestd",
		Name: "fetch_errors_total", Help: "Fetches that failed, by source."}, []string{"source"})
	m.digestsBuilt = counter("digests_built_total", "Digests built and stored in the outbox.")
	m.digestsSent = counter("digests_sent_total", "Digests the relay accepted.")
	m.digestsFailed = counter("digests_failed_total", "Digests refused for good.")
	m.digestsMaybe = counter("digests_maybe_delivered_total",
		"Digests whose final dot the relay did not answer: it may have them.")
	m.digestsBounced = counter("digests_bounced_total", "Digests that bounced hard.")
	m.digestsExpired = counter("digests_expired_total", "Pending digests dropped as too old to send.")
	m.passes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "digestd",
		Name: "delivery_passes_total", Help: "Delivery passes, by result (ok, error, or skipped: another process was running one)."},
		[]string{"result"})
	m.passDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "digestd",
		Name: "delivery_pass_duration_seconds", Help: "How long a delivery pass took.",
		Buckets: prometheus.ExponentialBuckets(0.1, 4, 9)})
	m.sendDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "digestd",
		Name: "send_duration_seconds", Help: "How long the relay took to accept one message.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10)})
	info := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "digestd", Name: "build_info",
		Help:        "Always 1; the labels say which digestd is running.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit}})
	info.Set(1)
	m.registry.MustRegister(info, m.papersFetched, m.fetchErrors, m.digestsBuilt, m.digestsSent, m.digestsFailed,
		m.digestsMaybe, m.digestsBounced, m.digestsExpired, m.passes, m.passDuration, m.sendDuration, state,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Fetched counts what a source brought, or its failure.
func (m *metrics) Fetched(source string, papers int, err error) {
	if err != nil {
		m.fetchErrors.WithLabelValues(source).Inc()
		return
	}
	m.papersFetched.WithLabelValues(source).Add(float64(papers))
}

// observePass records a delivery pass from what Runner.Run returned.
func (m *metrics) observePass(res pipeline.RunResult, took time.Duration, err error) {
	m.digestsBuilt.Add(float64(res.Built))
	m.digestsSent.Add(float64(res.Sent))
	m.digestsFailed.Add(float64(res.Failed))
	m.digestsMaybe.Add(float64(res.MaybeDelivered))
	m.passDuration.Observe(took.Seconds())
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.passes.WithLabelValues(result).Inc()
}

// passSkipped counts a pass that did not run: another process was
// running one.
func (m *metrics) passSkipped() { m.passes.WithLabelValues("skipped").Inc() }

// MessageSent records the relay's latency for one message.
func (m *metrics) MessageSent(elapsed time.Duration) { m.sendDuration.Observe(elapsed.Seconds()) }

// DigestBounced counts a hard bounce.
func (m *metrics) DigestBounced() { m.digestsBounced.Inc() }

// DigestExpired counts a digest dropped from the outbox as too old.
func (m *metrics) DigestExpired() { m.digestsExpired.Inc() }

// handler serves the registry. A gauge the database could not give is
// logged and left out rather than failing the whole scrape.
func (m *metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	})
}
