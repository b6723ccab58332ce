package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/library"
)

func newLibraryCommand(open opener) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "library",
		Short: "Import a subscriber's library: the papers their digest learns they like",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "import EMAIL FILE",
		Short: "Add a library file (BibTeX, RIS, Zotero CSV, or ids one per line) to a subscriber's",
		Long: `Add the papers of FILE ("-" for standard input) to the subscriber's library,
which their ranking model learns from as papers they like: a BibTeX, RIS or
Zotero CSV export, or arXiv ids, arXiv links and DOIs one per line. A file
that breaks its format is refused whole, naming the line, and nothing is
stored (exit status 2). The library's papers not stored yet are fetched from
arXiv by id (when sources.arxiv.enabled), at sources.arxiv.interval; then the
subscriber's model is trained.`,
		Args: cobra.ExactArgs(2),
		RunE: open.withSubscriber(func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error {
			name := args[1]
			file, err := readLibrary(cmd.InOrStdin(), name)
			if err != nil {
				return err
			}
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			added, err := a.subscribers.AddLibrary(ctx, sub.ID, file.Refs)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: %s added to the library from %s (%s)", sub.Email, count(added, "paper"), name, file.Format)
			if known := len(file.Refs) - added; known > 0 {
				fmt.Fprintf(out, ", %d in it already", known)
			}
			fmt.Fprintln(out)
			printLibraryNotes(out, file)
			fetched, fetchErr := a.library.Fetch(ctx, sub.ID)
			switch {
			case fetched.Missing == 0:
			case a.library.ArXiv == nil:
				fmt.Fprintf(out, "not fetched: %s not stored here (sources.arxiv.enabled is off); they count once a fetch brings them\n",
					count(fetched.Missing, "paper"))
			default:
				fmt.Fprintf(out, "fetched: %d of %s not stored here, from arXiv\n", fetched.Found, count(fetched.Missing, "paper"))
			}
			m, err := a.trainer.Train(ctx, sub.ID)
			if err != nil {
				return err
			}
			if m != nil {
				fmt.Fprintf(out, "model: trained on %s (votes and library papers stored)\n", count(m.Examples, "paper"))
			}
			if fetchErr != nil {
				return fmt.Errorf("the library is stored, but fetching its papers failed: %w", fetchErr)
			}
			return nil
		}),
	})
	return cmd
}

// readLibrary parses the library file name ("-": in); what the file
// breaks is a usage error naming the file and the line.
func readLibrary(in io.Reader, name string) (*library.File, error) {
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError{fmt.Errorf("library %w", err)}
		}
		defer f.Close()
		in = f
	}
	file, err := library.Parse(in)
	if err != nil {
		return nil, usageError{fmt.Errorf("library %s: %w; nothing was imported", name, err)}
	}
	return file, nil
}

// printLibraryNotes says what of a library does not count: entries with
// no id, entries naming a paper twice, papers known by their DOI alone.
func printLibraryNotes(out io.Writer, file *library.File) {
	if n := len(file.Skipped); n > 0 {
		var lines []string
		for _, s := range file.Skipped {
			lines = append(lines, fmt.Sprint(s.Line))
		}
		fmt.Fprintf(out, "skipped: %s with neither an arXiv id nor a DOI (line %s)\n", entries(n), strings.Join(lines, ", "))
	}
	if d := file.Duplicates; d > 0 {
		fmt.Fprintf(out, "duplicates: %s named a paper named before\n", entries(d))
	}
	doiOnly := 0
	for _, r := range file.Refs {
		if r.ArxivID == "" {
			doiOnly++
		}
	}
	if doiOnly > 0 {
		fmt.Fprintf(out, "doi only: %s kept, not counted: digestd knows papers by their arXiv id\n", count(doiOnly, "paper"))
	}
}

// entries is "1 entry", "2 entries".
func entries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
