package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// stateTimeout bounds the queries of one scrape: a database busy with a
// pass must not hang Prometheus.
const stateTimeout = 2 * time.Second

// stateCollector reads the gauges of digestd's state from the database at
// scrape time, so they are right whichever process changed the data: the
// daemon, or a `digestd subscribers import` beside it.
type stateCollector struct {
	store       *sqlite.Store
	subscribers *subscribers.Store
	readers     *prometheus.Desc
	outbox      *prometheus.Desc
	lastFetch   *prometheus.Desc
	lastPass    *prometheus.Desc
}

func newStateCollector(store *sqlite.Store, subs *subscribers.Store) *stateCollector {
	return &stateCollector{
		store:       store,
		subscribers: subs,
		readers:     prometheus.NewDesc("digestd_readers", "Subscribers, by status.", []string{"status"}, nil),
		outbox:      prometheus.NewDesc("digestd_outbox_depth", "Built digests waiting for the relay.", nil, nil),
		lastFetch: prometheus.NewDesc("digestd_last_fetch_success_timestamp_seconds",
			"When the last fetch without errors finished (0: never).", nil, nil),
		lastPass: prometheus.NewDesc("digestd_last_delivery_success_timestamp_seconds",
			"When the last delivery pass without errors finished (0: never).", nil, nil),
	}
}

// Describe sends the descriptions of the gauges.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.readers
	ch <- c.outbox
	ch <- c.lastFetch
	ch <- c.lastPass
}

// Collect queries the database; a failed query becomes an invalid metric,
// which the handler logs and leaves out.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	if counts, err := c.subscribers.CountByStatus(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.readers, err)
	} else {
		for _, st := range subscribers.Statuses {
			ch <- prometheus.MustNewConstMetric(c.readers, prometheus.GaugeValue, float64(counts[st]), string(st))
		}
	}
	if n, err := c.store.OutboxDepth(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(c.outbox, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(n))
	}
	for desc, kind := range map[*prometheus.Desc]string{c.lastFetch: digest.RunFetch, c.lastPass: digest.RunDeliver} {
		if t, err := c.store.LastSuccess(ctx, kind); err != nil {
			ch <- prometheus.NewInvalidMetric(desc, err)
		} else {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(unixOrZero(t)))
		}
	}
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
