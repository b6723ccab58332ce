package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

func newStatusCommand(open opener) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Print readers by status, outbox depth, the last fetch and pass, and the next ones",
		Long: `Print digestd's state at a glance: subscribers by status, digests waiting in
the outbox (and those maybe delivered, when any), the delivery pass running
now and which process runs it, the last fetch and delivery pass with their
outcome, and when the schedule runs the next ones. Times are in
schedule.timezone.`,
		Args: cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			return a.writeStatus(cmd.Context(), cmd.OutOrStdout())
		}),
	}
}

// writeStatus prints the status report, its times relative to a.now.
func (a *app) writeStatus(ctx context.Context, w io.Writer) error {
	counts, err := a.subscribers.CountByStatus(ctx)
	if err != nil {
		return err
	}
	depth, err := a.store.OutboxDepth(ctx)
	if err != nil {
		return err
	}
	now, loc := a.now(), a.location()
	readers := make([]string, len(subscribers.Statuses))
	for i, st := range subscribers.Statuses {
		readers[i] = fmt.Sprintf("%d %s", counts[st], st)
	}
	fmt.Fprintf(w, "readers:    %s\n", strings.Join(readers, ", "))
	fmt.Fprintf(w, "outbox:     %s waiting for the relay\n", count(depth, "digest"))
	waiting, final, err := a.store.MaybeDelivered(ctx)
	if err != nil {
		return err
	}
	if waiting+final > 0 {
		fmt.Fprintf(w, "maybe:      %s maybe delivered (the relay did not answer the final dot): %d to go once more, %d not again\n",
			count(waiting+final, "digest"), waiting, final)
	}
	switch lease, err := a.store.LeaseOf(ctx, pipeline.DeliveryLease); {
	case err == nil:
		fmt.Fprintf(w, "running:    a delivery pass, %s, since %s (lease renewed %s ago)\n", lease.Holder,
			formatTime(lease.Taken, loc), now.Sub(lease.Renewed).Round(time.Second))
	case !errors.Is(err, digest.ErrNotFound):
		return err
	}
	for _, k := range []struct{ label, kind, spec string }{
		{"fetch", digest.RunFetch, a.cfg.Schedule.Fetch},
		{"pass", digest.RunDeliver, a.cfg.Schedule.Deliver},
	} {
		last, err := a.lastRunLine(ctx, k.kind, now, loc)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "last %-6s %s\n", k.label+":", last)
		sched, err := cron.ParseStandard(k.spec)
		if err != nil {
			return err
		}
		next := sched.Next(now.In(loc))
		fmt.Fprintf(w, "next %-6s %s (%s)\n", k.label+":", formatTime(next, loc), relative(next.Sub(now)))
	}
	return nil
}

// lastRunLine describes the newest run of kind: when, and how it went.
func (a *app) lastRunLine(ctx context.Context, kind string, now time.Time, loc *time.Location) (string, error) {
	r, err := a.store.LastRun(ctx, kind)
	if errors.Is(err, digest.ErrNotFound) {
		return "never", nil
	}
	if err != nil {
		return "", err
	}
	when := fmt.Sprintf("%s (%s)", formatTime(r.StartedAt, loc), relative(r.StartedAt.Sub(now)))
	var outcome string
	switch {
	case r.FinishedAt.IsZero():
		outcome = "unfinished: running, or digestd stopped during it"
	case r.Error != "":
		outcome = "failed: " + oneLine(r.Error, 80)
	case kind == digest.RunFetch:
		outcome = fmt.Sprintf("ok, %d papers new or changed", r.Fetched)
	default:
		outcome = fmt.Sprintf("ok, built %d, sent %d, failed %d", r.Built, r.Sent, r.Failed)
	}
	line := when + " " + outcome
	if r.Error != "" || r.FinishedAt.IsZero() {
		ok, err := a.store.LastSuccess(ctx, kind)
		if err != nil {
			return "", err
		}
		line += "; last success " + formatTime(ok, loc)
	}
	return line, nil
}

// relative says "3h5m ago", "in 12m" or "in 2h", to the minute.
func relative(d time.Duration) string {
	d = d.Round(time.Minute)
	s := strings.TrimSuffix(d.Abs().String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	switch {
	case d == 0:
		return "now"
	case d < 0:
		return s + " ago"
	}
	return "in " + s
}
