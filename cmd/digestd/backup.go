package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/digestd/digestd/digest/sqlite"
)

func newBackupCommand(open opener) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE, safe while digestd serves and sends",
		Long: `Write a consistent copy of the database to FILE with SQLite's VACUUM INTO:
it reads one snapshot, so it is safe while digestd serves and sends. The
copy is checked (PRAGMA integrity_check) before it takes the name FILE; an
existing FILE is never overwritten. The file is readable by its owner
alone (mode 0600): it holds every reader's address. To restore, stop
digestd and put the copy where the config's database key points.`,
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
			size, err := backup(cmd.Context(), a.db, file)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup %s: %d bytes, integrity ok\n", file, size)
			return nil
		}),
	}
}

// backup writes a checked copy of db to file, readable by its owner alone
// (it holds every reader's address), and never over an existing file.
// VACUUM INTO writes into an empty temporary file made beside file (0600,
// O_EXCL), since SQLite would create a new one with the umask's mode; the
// checked copy then takes its name by a hard link, which, unlike a rename,
// fails when the name exists, so another process's file of that name is
// never replaced. Where the file system has no hard links, the copy is
// written to file opened with O_EXCL.
func backup(ctx context.Context, db *sql.DB, file string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.partial")
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", file, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		return 0, fmt.Errorf("backup %s: %w", file, err)
	}
	// The copy holds no lease: the first pass on a restored copy must not
	// wait for the original's to lapse.
	err = sqlite.DropLeases(ctx, tmp.Name())
	if err == nil {
		err = checkBackup(ctx, tmp.Name())
	}
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", file, err)
	}
	err = os.Link(tmp.Name(), file)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		err = copyNew(tmp.Name(), file)
	}
	if errors.Is(err, fs.ErrExist) {
		return 0, usageError{fmt.Errorf("backup %s: the file exists; name a new one", file)}
	}
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", file, err)
	}
	info, err := os.Stat(file)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// copyNew copies src to dst, which must not exist, mode 0600, synced.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
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
