package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/digest/sqlite"
)

func newRunCommand(open opener) *cobra.Command {
	var opt pipeline.RunOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one delivery pass: build and send the digests that are due",
		Long: `Build and send the digests that are due now: each active subscriber whose
hour has come in their time zone and who has not had this period's digest.
Digests left in the outbox by an earlier pass go out first. Running it twice
sends nothing twice.

One pass runs at a time per database, whichever process runs it: beside
'digestd serve', or another 'digestd run', this one waits for the pass in
progress to end (--wait), and then exits 1 naming the process that holds it.`,
		Args: cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			if !cmd.Flags().Changed("wait") {
				opt.Wait = a.cfg.Schedule.PassLease
			}
			a.log.Info("delivery", "mail", a.mailDestination())
			bar := newProgress(cmd.OutOrStdout(), -1, "delivering")
			res, err := a.deliver(cmd.Context(), opt, bar)
			bar.done()
			var held *sqlite.LeaseHeldError
			if errors.As(err, &held) {
				return fmt.Errorf("another delivery pass is running, waited %s: %w", opt.Wait, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "due %d, empty %d, built %d, sent %d, failed %d, pending %d, expired %d, maybe delivered %d\n",
				res.Due, res.Empty, res.Built, res.Sent, res.Failed, res.Pending, res.Expired, res.MaybeDelivered)
			return err
		}),
	}
	cmd.Flags().BoolVar(&opt.All, "now", false, "treat every active subscriber as due now")
	cmd.Flags().BoolVar(&opt.DryRun, "dry-run", false, "build and render the digests but store and send nothing")
	cmd.Flags().DurationVar(&opt.Wait, "wait", 0,
		"how long to wait for a pass another process is running (default schedule.pass_lease: long enough to outlast one that crashed)")
	return cmd
}

// deliver runs one delivery pass and records it in the metrics: the runner
// returns what it did, and its callers (`run`, the scheduler) count it. bar
// steps at each message sent, bounced or expired. A pass that did not run,
// another process holding the lease, counts as skipped.
func (a *app) deliver(ctx context.Context, opt pipeline.RunOptions, bar progress) (pipeline.RunResult, error) {
	start := time.Now()
	r := a.runner()
	r.Observer = deliveryProgress{bar, a.metrics}
	res, err := r.Run(ctx, opt)
	var held *sqlite.LeaseHeldError
	if errors.As(err, &held) {
		a.metrics.passSkipped()
	} else {
		a.metrics.observePass(res, time.Since(start), err)
	}
	return res, err
}
