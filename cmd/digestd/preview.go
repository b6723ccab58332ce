package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/subscribers"
)

func newPreviewCommand(open opener) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "preview EMAIL",
		Short: "Render the digest EMAIL would get now, without sending it",
		Long: `Render the digest EMAIL would get if it were due now, and write its HTML to
--out (or to standard output). Nothing is stored or sent; the links in it are
placeholders.`,
		Args: cobra.ExactArgs(1),
		RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error {
			now := a.now()
			d, err := a.builder.Build(cmd.Context(), sub, digest.CurrentPeriod(sub, now), now)
			if err != nil {
				return err
			}
			if len(d.Items) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: nothing new matches their topics: no digest would be sent now\n", sub.Email)
				return nil
			}
			d.ManageURL, d.UnsubscribeURL = a.cfg.BaseURL+"/manage/PREVIEW", a.cfg.BaseURL+"/unsubscribe/PREVIEW"
			r, err := a.renderer.Render(d)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %d papers, subject %q\n", sub.Email, len(d.Items), r.Subject)
			if out == "" {
				_, err = fmt.Fprint(cmd.OutOrStdout(), r.HTML.String())
				return err
			}
			return os.WriteFile(out, []byte(r.HTML.String()), 0o644)
		}),
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write the HTML to this file")
	return cmd
}
