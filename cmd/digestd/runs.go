package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest"
)

func newRunsCommand(open opener) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Print the latest fetches and delivery passes as a table",
		Long: `Print the latest fetches and delivery passes, newest first: when each
started, how long it took, what it fetched, built, sent and failed, how many
digests it maybe delivered (the relay did not answer their final dot), and
its first error. A run with no duration never finished: it is running, or
digestd stopped in the middle of it. Times are in schedule.timezone.`,
		Args: cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			if limit < 1 {
				return usageError{fmt.Errorf("--limit %d: want 1 or more", limit)}
			}
			runs, err := a.store.Runs(cmd.Context(), limit)
			if err != nil {
				return err
			}
			return writeRuns(cmd.OutOrStdout(), runs, a.location())
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs to show")
	return cmd
}

// writeRuns prints runs as an aligned table. Counts that do not apply to a
// run's kind, or that an unfinished run never wrote, show as "-", so that
// they are not read as zeros.
func writeRuns(w io.Writer, runs []digest.Run, loc *time.Location) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs yet: `digestd fetch` and `digestd run` record theirs here")
		return err
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTARTED\tDURATION\tFETCHED\tBUILT\tSENT\tFAILED\tMAYBE\tERROR")
	for _, r := range runs {
		fetched, built, sent, failed, maybe := "-", "-", "-", "-", "-"
		switch {
		case r.FinishedAt.IsZero():
			// The counts are only written when a run finishes.
		case r.Kind == digest.RunDeliver:
			built, sent, failed = strconv.Itoa(r.Built), strconv.Itoa(r.Sent), strconv.Itoa(r.Failed)
			maybe = strconv.Itoa(r.MaybeDelivered)
		default:
			fetched = strconv.Itoa(r.Fetched)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, formatTime(r.StartedAt, loc),
			runDuration(r), fetched, built, sent, failed, maybe, oneLine(r.Error, 80))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads the cell before an empty error column: trim it, so the
	// output has no trailing blanks.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func runDuration(r digest.Run) string {
	if r.FinishedAt.IsZero() {
		return "unfinished"
	}
	return r.FinishedAt.Sub(r.StartedAt).String()
}

// oneLine keeps a table row on one line: an error may hold newlines (a
// joined error) and be long (a relay's reply).
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// location is the time zone of schedule.timezone, which config validation
// has checked loads.
func (a *app) location() *time.Location {
	loc, err := time.LoadLocation(a.cfg.Schedule.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
