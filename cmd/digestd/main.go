// Command digestd emails each subscriber a personal digest of new research
// papers: it fetches Hugging Face Daily Papers and arXiv, matches them against
// each subscriber's topics and sends the digest over SMTP at their hour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/internal/memlimit"
	"github.com/digestd/digestd/subscribers"
)

// Exit statuses: 1 for a failure, 2 for bad input the user can fix.
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks an error caused by what the user typed or configured.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	memlimit.Apply()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(execute(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs one digestd command line and returns its exit status. It is
// the one place errors become exit statuses.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "digestd:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

func newRootCommand() *cobra.Command {
	var configPath string
	root := &cobra.Command{
		Use:           "digestd",
		Short:         "Email each subscriber a personal digest of new research papers",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&configPath, "config", "", "config file (default ./config.yaml, then /etc/digestd/config.yaml)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	open := func(cmd *cobra.Command) (*app, error) {
		return openApp(cmd.Context(), configPath, cmd.ErrOrStderr())
	}
	root.AddCommand(
		newServeCommand(open),
		newFetchCommand(open),
		newRunCommand(open),
		newSubscribersCommand(open),
		newTopicsCommand(open),
		newVotesCommand(open),
		newLibraryCommand(open),
		newPreviewCommand(open),
		newRunsCommand(open),
		newStatusCommand(open),
		newDoctorCommand(&configPath),
		newBackupCommand(open),
		newVersionCommand(),
	)
	return root
}

// opener opens the app for a command: config, logger, database.
type opener func(cmd *cobra.Command) (*app, error)

// run makes a command body that gets an open app, closed when it returns.
func (open opener) run(fn func(cmd *cobra.Command, a *app, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := open(cmd)
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cmd, a, args)
	}
}

// withSubscriber makes a command body whose first argument is a
// subscriber's address: it gets the open app and that subscriber.
func (open opener) withSubscriber(fn func(cmd *cobra.Command, a *app, sub subscribers.Subscriber, args []string) error) func(*cobra.Command, []string) error {
	return open.run(func(cmd *cobra.Command, a *app, args []string) error {
		sub, err := a.subscribers.ByEmail(cmd.Context(), args[0])
		if err != nil {
			return storeError(err)
		}
		return fn(cmd, a, sub, args)
	})
}
