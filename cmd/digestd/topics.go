package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/email"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

func newTopicsCommand(open opener) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "topics",
		Aliases: []string{"topic"},
		Short:   "Manage a subscriber's topics, and test a query on the stored papers",
	}
	cmd.AddCommand(
		&cobra.Command{
			Use:   "add EMAIL QUERY",
			Short: "Add a topic to a subscriber",
			Args:  cobra.ExactArgs(2),
			RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error {
				t, err := a.subscribers.AddTopic(cmd.Context(), sub.ID, args[1])
				if err != nil {
					return storeError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "topic %d added to %s: %s\n", t.ID, sub.Email, t.Query)
				return nil
			}),
		},
		&cobra.Command{
			Use:   "list EMAIL",
			Short: "List a subscriber's topics with their ids",
			Args:  cobra.ExactArgs(1),
			RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error {
				topics, err := a.subscribers.Topics(cmd.Context(), sub.ID)
				if err != nil {
					return err
				}
				if len(topics) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "%s has no topics: they get the day's most upvoted papers\n", sub.Email)
				}
				for _, t := range topics {
					fmt.Fprintf(cmd.OutOrStdout(), "%d\t%s\n", t.ID, t.Query)
				}
				return nil
			}),
		},
		&cobra.Command{
			Use:   "remove EMAIL ID",
			Short: "Remove one of a subscriber's topics (ids from topics list)",
			Args:  cobra.ExactArgs(2),
			RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error {
				id, err := strconv.ParseInt(args[1], 10, 64)
				if err != nil {
					return usageError{fmt.Errorf("topic id %q: want a number from `digestd topics list`", args[1])}
				}
				if err := a.subscribers.RemoveTopic(cmd.Context(), sub.ID, id); err != nil {
					return storeError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "topic %d removed from %s\n", id, sub.Email)
				return nil
			}),
		},
		newTopicsTest(open),
	)
	return cmd
}

func newTopicsTest(open opener) *cobra.Command {
	var (
		days    int
		limit   int
		explain bool
	)
	cmd := &cobra.Command{
		Use:   "test QUERY",
		Short: "Show which stored papers a query matches, with the matched words",
		Long: `Show the stored papers that arrived in the last --days days and that QUERY
matches, best first: each with its score, the matched words marked *like
this* in the title and in an abstract snippet, and the sources that carried
it. Up to 14 days back (the recent papers digests are made of), the papers
and their order are exactly a digest's; further back (--days 0: all), the
whole archive is searched with SQLite's full-text index and ranked by its
statistics. --explain also prints the SQL condition and the FTS5
expressions the archive search compiles the query to.`,
		Args: cobra.ExactArgs(1),
		RunE: open.run(func(cmd *cobra.Command, a *app, args []string) error {
			q, err := query.Parse(args[0])
			if err != nil {
				return usageError{fmt.Errorf("query %q: %w", args[0], err)}
			}
			out := cmd.OutOrStdout()
			if explain {
				plan, err := sqlite.Explain(q)
				if err != nil {
					return err
				}
				fmt.Fprintln(out, plan)
			}
			matches, papers, err := a.topicsTest(cmd.Context(), q, days, limit)
			if err != nil {
				return err
			}
			if len(matches) == limit {
				fmt.Fprintf(out, "best %d papers matching %s (--limit %d)\n", len(matches), q, limit)
			} else if len(matches) == 1 {
				fmt.Fprintf(out, "1 paper matches %s\n", q)
			} else {
				fmt.Fprintf(out, "%s match %s\n", count(len(matches), "paper"), q)
			}
			for _, m := range matches {
				printMatch(out, q, papers[m.PaperID], m.Score)
			}
			return nil
		}),
	}
	cmd.Flags().IntVar(&days, "days", 7, "only papers that arrived in the last N days (0: all)")
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many papers")
	cmd.Flags().BoolVar(&explain, "explain", false, "also print the SQL condition and FTS5 expressions")
	return cmd
}

// topicsTest returns the best limit papers that arrived in the last days
// days and that q matches: among the recent papers as a digest ranks
// them, or, further back, from the archive search.
func (a *app) topicsTest(ctx context.Context, q *query.Query, days, limit int) ([]digest.Match, map[int64]digest.Paper, error) {
	since := a.now().Add(-time.Duration(days) * 24 * time.Hour)
	if days > 0 && time.Duration(days)*24*time.Hour <= digest.RecentSpan {
		return a.recent.Search(ctx, q, since, limit)
	}
	w := digest.Window{Limit: limit}
	if days > 0 {
		w.ArrivedAfter = since
	}
	matches, err := a.matcher.Match(ctx, q, w)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(matches))
	for i, m := range matches {
		ids[i] = m.PaperID
	}
	papers, err := a.store.PapersByID(ctx, ids)
	return matches, papers, err
}

// snippetRunes is the length of the abstract excerpt topics test prints.
const snippetRunes = 200

// printMatch prints one matched paper: score, id and title with its hits
// marked, links and sources, the matched words and authors, and an abstract
// snippet around the first hit.
func printMatch(out io.Writer, q *query.Query, p digest.Paper, score float64) {
	title := match.Highlight(p.Title, q.TermsIn(query.FieldTitle))
	abstract := q.TermsIn(query.FieldAbstract)
	snippet := match.Snippet(p.Abstract, abstract, snippetRunes)
	fmt.Fprintf(out, "\n%.2f  %s  %s\n", score, p.ID, email.Star(title))
	fmt.Fprintf(out, "      %s  sources: %s\n", p.AbstractURL(), strings.ReplaceAll(p.Source, ",", ", "))
	matched := matchedWords(title, match.Highlight(p.Abstract, abstract))
	for _, name := range match.Names(p.Authors, q.Terms()) {
		matched = append(matched, "author "+name)
	}
	if len(matched) == 0 {
		matched = append(matched, "(categories, organisation or upvotes)")
	}
	fmt.Fprintf(out, "      matched: %s\n", strings.Join(matched, ", "))
	fmt.Fprintf(out, "      %s\n", strings.Join(strings.Fields(email.Star(snippet)), " "))
}

// matchedWords lists, once each, the words marked in a paper's highlighted
// title and abstract.
func matchedWords(spans ...[]digest.Span) []string {
	seen := map[string]bool{}
	var words []string
	for _, s := range slices.Concat(spans...) {
		if w := strings.ToLower(s.Text); s.Hit && !seen[w] {
			seen[w] = true
			words = append(words, s.Text)
		}
	}
	return words
}
