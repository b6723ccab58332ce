package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

func newSubscribersCommand(open opener) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "subscribers",
		Aliases: []string{"subscriber", "subs"},
		Short:   "Add, list, remove, import and export subscribers",
	}
	cmd.AddCommand(newSubscribersAdd(open), newSubscribersList(open), newSubscribersRemove(open),
		newSubscribersImport(open), newSubscribersExport(open))
	return cmd
}

// settingsFlags are the delivery settings a command can set.
type settingsFlags struct {
	frequency, timezone string
	hour, maxPapers     int
	weekday             string
}

func (f *settingsFlags) register(cmd *cobra.Command) {
	d := subscribers.DefaultSettings()
	cmd.Flags().StringVar(&f.frequency, "frequency", string(d.Frequency), "daily or weekly")
	cmd.Flags().StringVar(&f.weekday, "weekday", d.Weekday.String(), "day of a weekly digest")
	cmd.Flags().IntVar(&f.hour, "hour", d.Hour, "local hour the digest goes out, 0-23")
	cmd.Flags().StringVar(&f.timezone, "timezone", d.Timezone, "IANA time zone of --hour")
	cmd.Flags().IntVar(&f.maxPapers, "max-papers", 0, "papers per digest, 5-50 (default digest.max_papers)")
}

func (f *settingsFlags) settings() (subscribers.Settings, error) {
	wd, err := subscribers.ParseWeekday(f.weekday)
	if err != nil {
		return subscribers.Settings{}, usageError{fmt.Errorf("--weekday: %w", err)}
	}
	s := subscribers.Settings{Frequency: subscribers.Frequency(f.frequency), Weekday: wd, Hour: f.hour,
		Timezone: f.timezone, MaxPapers: f.maxPapers}
	if err := s.Validate(); err != nil {
		return s, usageError{err}
	}
	return s, nil
}

func newSubscribersAdd(open opener) *cobra.Command {
	var (
		topics    []string
		confirmed bool
		flags     settingsFlags
	)
	cmd := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add a subscriber (a confirmation email is sent unless --confirmed)",
		Args:  cobra.ExactArgs(1),
		RunE: open.run(func(cmd *cobra.Command, a *app, args []string) error {
			set, err := flags.settings()
			if err != nil {
				return err
			}
			status := subscribers.StatusPending
			if confirmed {
				status = subscribers.StatusActive
			}
			sub, err := a.subscribers.Add(cmd.Context(), args[0], status, set, topics)
			if err != nil {
				return storeError(err)
			}
			if !confirmed {
				if err := a.confirm.SendConfirmation(cmd.Context(), sub); err != nil {
					return fmt.Errorf("subscriber %s added as pending, but the confirmation email failed: %w", sub.Email, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s added (pending): confirmation email sent\n", sub.Email)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s added (active) with %s\n", sub.Email, count(len(topics), "topic"))
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&topics, "topic", nil, "a topic query (repeat for more)")
	cmd.Flags().BoolVar(&confirmed, "confirmed", false, "the address is confirmed already: make it active and send no confirmation")
	flags.register(cmd)
	return cmd
}

// storeError marks errors the user can fix (bad address, bad topic,
// duplicate, unknown subscriber) as usage errors.
func storeError(err error) error {
	var qe *query.Error
	if errors.Is(err, subscribers.ErrNotFound) || errors.Is(err, subscribers.ErrExists) ||
		errors.As(err, &qe) || errors.Is(err, subscribers.ErrInvalid) {
		return usageError{err}
	}
	return err
}

func newSubscribersList(open opener) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List subscribers: email, status, frequency, hour, time zone, topics",
		Args:  cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			if status != "" && !subscribers.Status(status).Valid() {
				return usageError{fmt.Errorf("--status %q: want pending, active, paused, unsubscribed or bounced", status)}
			}
			w := cmd.OutOrStdout()
			var after int64
			for {
				page, err := a.subscribers.List(cmd.Context(), subscribers.ListOptions{Status: subscribers.Status(status), AfterID: after})
				if err != nil || len(page) == 0 {
					return err
				}
				for _, s := range page {
					n, err := a.subscribers.TopicCount(cmd.Context(), s.ID)
					if err != nil {
						return err
					}
					when := fmt.Sprintf("%02d:00", s.Hour)
					if s.Frequency == subscribers.Weekly {
						when = s.Weekday.String()[:3] + " " + when
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\n", s.Email, s.Status, s.Frequency, when, s.Timezone, count(n, "topic"))
				}
				after = page[len(page)-1].ID
			}
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only subscribers with this status")
	return cmd
}

func newSubscribersRemove(open opener) *cobra.Command {
	return &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Remove a subscriber and everything stored about them",
		Args:  cobra.ExactArgs(1),
		RunE: open.run(func(cmd *cobra.Command, a *app, args []string) error {
			if err := a.subscribers.Remove(cmd.Context(), args[0]); err != nil {
				return storeError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s removed\n", args[0])
			return nil
		}),
	}
}

func newSubscribersImport(open opener) *cobra.Command {
	var byEmail bool
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import subscribers from CSV (email,topics,frequency,hour,timezone)",
		Long: `Import subscribers from a CSV file with a header row and the columns
email,topics,frequency,hour,timezone (topics separated by ";"), and
optionally max_papers (5 to 50; empty for digest.max_papers). Imported
subscribers are active — the operator vouches for their consent — unless
--confirm-by-email asks each for a confirmation click. Addresses already on
the list are left as they are, so importing a file twice changes nothing.
Rejected rows are reported with their line numbers; the others are imported.`,
		Args: cobra.ExactArgs(1),
		RunE: open.run(func(cmd *cobra.Command, a *app, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			rows, rejects, err := subscribers.ReadCSV(f)
			if err != nil {
				return usageError{fmt.Errorf("%s: %w", args[0], err)}
			}
			status := subscribers.StatusActive
			if byEmail {
				status = subscribers.StatusPending
			}
			w := cmd.OutOrStdout()
			bar := newProgress(w, len(rows), "importing")
			var added, kept int
			for _, row := range rows {
				bar.step()
				sub, err := a.subscribers.Add(cmd.Context(), row.Email, status, row.Settings, row.Topics)
				switch {
				case errors.Is(err, subscribers.ErrExists):
					kept++
					continue
				case err != nil:
					rejects = append(rejects, subscribers.RowError{Line: row.Line, Err: err})
					continue
				}
				added++
				if byEmail {
					if err := a.confirm.SendConfirmation(cmd.Context(), sub); err != nil {
						return fmt.Errorf("line %d: %s: confirmation email: %w", row.Line, sub.Email, err)
					}
				}
			}
			bar.done()
			for _, r := range rejects {
				fmt.Fprintf(w, "%s:%d: rejected: %v\n", args[0], r.Line, r.Err)
			}
			fmt.Fprintf(w, "imported %d, already subscribed %d, rejected %d\n", added, kept, len(rejects))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&byEmail, "confirm-by-email", false, "add as pending and send each a confirmation email (double opt-in)")
	return cmd
}

func newSubscribersExport(open opener) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every subscriber as CSV (the import format) or JSON to standard output",
		Args:  cobra.NoArgs,
		RunE: open.run(func(cmd *cobra.Command, a *app, _ []string) error {
			switch format {
			case "csv":
				return a.subscribers.WriteCSV(cmd.Context(), cmd.OutOrStdout())
			case "json":
				return writeSubscribersJSON(cmd.Context(), a.subscribers, cmd.OutOrStdout())
			}
			return usageError{fmt.Errorf("--format %q: want csv or json", format)}
		}),
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	return cmd
}

// count says "1 topic", "2 topics".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
