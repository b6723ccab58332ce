package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/digestd/digestd/digest/sqlite"

	"github.com/spf13/cobra"
)

func newBackupCommand(open opener) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE, safe while digestd serves and sends",
		Long: `Write a consistent copy of the database to FILE with SQLite's VACUUM INTO:
it reads one snapshot, so it is safe while digestd serves and sends. The
copy is checked (PRAGMA integrity_check) before it takes the name FILE; an
existing FILE is never overwritten. To restore, stop digestd and put the
copy where the config's database key points.`,
		Args: cobra.ExactArgs(1),
		RunE: open.run(func(cmd *cobra.Command, a *app, args []string) error {
			file := args[0]
			if _, err := os.Lstat(file); !errors.Is(err, fs.ErrNotExist) {
				return usageError{fmt.Errorf("backup %s: the file exists; name a new one", file)}
			}
			// The copy is of the database alone: it takes the sends that
			// a pass has recorded only in the sent log so far.
			if err := a.store.Settle(cmd.Context()); err != nil {
				return fmt.Errorf("backup %s: %w", file, err)
			}
			tmp := file + ".partial"
			os.Remove(tmp)
			if _, err := a.db.ExecContext(cmd.Context(), `VACUUM INTO ?`, tmp); err != nil {
				return fmt.Errorf("backup %s: %w", file, err)
			}
			err := sqlite.DropLeases(cmd.Context(), tmp)
			if err == nil {
				err = checkBackup(cmd.Context(), tmp)
			}
			if err != nil {
				os.Remove(tmp)
				return fmt.Errorf("backup %s: %w", file, err)
			}
			if err := os.Rename(tmp, file); err != nil {
				return fmt.Errorf("backup %s: %w", file, err)
			}
			info, err := os.Stat(file)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup %s: %d bytes, integrity ok\n", file, info.Size())
			return nil
		}),
	}
}

// checkBackup opens the copy at path read-only and checks its integrity.
func checkBackup(ctx context.Context, path string) error {
	db, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	return sqlite.CheckIntegrity(ctx, db)
}
