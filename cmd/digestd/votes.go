package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/subscribers"
)

func newVotesCommand(open opener) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "votes",
		Aliases: []string{"vote"},
		Short:   `List a subscriber's "more/fewer like this" votes`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list EMAIL",
		Short: "List a subscriber's votes, one line each: ARXIV_ID up|down TIME",
		Long: `List the "more like this" (up) and "fewer like this" (down) votes a
subscriber cast with the buttons of their digests' links, oldest first, one
line each: the paper's arXiv id, up or down, and when (RFC 3339, UTC). The
last vote on a paper is the one kept.`,
		Args: cobra.ExactArgs(1),
		RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, _ []string) error {
			votes, err := a.subscribers.Votes(cmd.Context(), sub.ID)
			if err != nil {
				return err
			}
			for _, v := range votes {
				dir := "down"
				if v.Up {
					dir = "up"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s\n", v.ArxivID, dir, v.At.UTC().Format(time.RFC3339))
			}
			return nil
		}),
	})
	return cmd
}
