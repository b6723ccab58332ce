package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest/pipeline"
)

func newFetchCommand(open opener) *cobra.Command {
	var (
		date string
		days int
	)
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Fetch papers from every configured source into the database",
		Long: `Fetch the papers of the days ending at --date (today, UTC, by default) from
Hugging Face Daily Papers and arXiv. --days backfills further back; by default
sources.days days are fetched, since arXiv announces papers a day or more after
they are submitted.`,
		Args: cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			to := a.now().UTC().Truncate(24 * time.Hour)
			if date != "" {
				var err error
				if to, err = time.Parse(time.DateOnly, date); err != nil {
					return usageError{fmt.Errorf("--date %q: want YYYY-MM-DD", date)}
				}
			}
			if days == 0 {
				days = a.cfg.Sources.Days
			}
			if days < 1 || days > 366 {
				return usageError{fmt.Errorf("--days %d: want 1 to 366", days)}
			}
			from := to.AddDate(0, 0, 1-days)
			f := a.fetcher()
			bar := newProgress(cmd.OutOrStdout(), len(f.Sources), fmt.Sprintf("fetching %s", count(days, "day")))
			f.Observer = fetchProgress{bar, a.metrics}
			results, err := f.Run(cmd.Context(), from, to)
			bar.done()
			a.purgeTokens(cmd.Context())
			for _, r := range results {
				if r.Err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %d papers (%d new, %d updated)\n", r.Source, r.Papers, r.New, r.Updated)
				}
			}
			return err
		}),
	}
	cmd.Flags().StringVar(&date, "date", "", "last day to fetch, YYYY-MM-DD (default today, UTC)")
	cmd.Flags().IntVar(&days, "days", 0, "how many days to fetch, ending at --date (default sources.days)")
	return cmd
}

// fetcher returns a Fetcher over the configured sources.
func (a *app) fetcher() *pipeline.Fetcher {
	return &pipeline.Fetcher{Store: a.store, Sources: a.sources(), Logger: a.log, Observer: a.metrics}
}

// purgeTokens deletes the expired link tokens with every fetch: serve's on
// schedule.fetch, or `digestd fetch` from cron. That is a few times a day,
// never on a request; an index makes it a range, not a scan. A failure is
// logged: the fetch itself went well.
func (a *app) purgeTokens(ctx context.Context) {
	n, err := a.subscribers.PurgeExpired(ctx)
	if err != nil {
		a.log.Error("purge expired tokens", "error", err)
		return
	}
	if n > 0 {
		a.log.Info("expired tokens purged", "tokens", n)
	}
}
