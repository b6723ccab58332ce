package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// TestBackupWhileServingAndSending takes `digestd backup` in the middle of
// a delivery pass while `serve` answers: the copy passes integrity_check
// and a daemon started on it serves and sends.
func TestBackupWhileServingAndSending(t *testing.T) {
	readers := scale(2000, 300)
	var sent atomic.Int32
	relay := smtptest.Start(t, smtptest.WithDataHook(func([]byte) error {
		sent.Add(1)
		time.Sleep(time.Millisecond)
		return nil
	}))
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := newEnv(t, startSources(t), relay, "  concurrency: 3", "listen: "+listen)
	e.mustRun("subscribers", "import", writeReaders(t, e.dir, readers, 7))
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() { served <- execute(ctx, []string{"--config", e.config, "serve"}, io.Discard, io.Discard) }()
	defer func() { cancel(); <-served }()
	waitFor(t, "http://"+listen+"/healthz")
	ran := make(chan result, 1)
	go func() { ran <- e.run("run", "--now") }()
	for sent.Load() < int32(readers/3) {
		time.Sleep(5 * time.Millisecond)
	}
	copyFile := filepath.Join(t.TempDir(), "backup.db")
	out := e.mustRun("backup", copyFile)
	during := sent.Load()
	if r := <-ran; r.code != 0 {
		t.Fatalf("run --now: exit %d\n%s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`^backup .*backup\.db: \d+ bytes, integrity ok\n$`).MatchString(out) {
		t.Errorf("backup printed %q, want its size and integrity ok", out)
	}
	if r := e.run("backup", copyFile); r.code != exitUsage || !strings.Contains(r.stderr, "exists") {
		t.Errorf("backup onto an existing file: got exit %d %q, want %d and the file named", r.code, r.stderr, exitUsage)
	}

	// Restore: a fresh installation whose database is the copy.
	restoredRelay := smtptest.Start(t)
	restored := newEnv(t, e.src, restoredRelay, "listen: 127.0.0.1:"+fmt.Sprint(freePort(t)))
	if err := os.MkdirAll(filepath.Join(restored.dir, "data"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(copyFile, filepath.Join(restored.dir, "data", "digest.db")); err != nil {
		t.Fatal(err)
	}
	// The copy was taken during a pass; that pass's lease is the
	// original's, and the restored installation's first pass must not
	// wait for it.
	if n := restored.count(`SELECT count(*) FROM leases`); n != 0 {
		t.Errorf("restored copy holds %d leases, want none", n)
	}
	if n := strings.Count(restored.mustRun("subscribers", "list"), "active"); n != readers {
		t.Errorf("restored copy lists %d active readers, want %d", n, readers)
	}
	restored.mustRun("run", "--now")
	resent := len(restoredRelay.Messages())
	if resent == 0 || resent > readers {
		t.Errorf("restored daemon sent %d digests, want the ones pending or unbuilt in the copy (1..%d)", resent, readers)
	}
	restored.mustRun("doctor")
	t.Logf("backup: readers=%d sent_before_copy=%d integrity=ok restored_sent=%d", readers, during, resent)
}

// TestBackupIsPrivateAndNeverOverwrites: the copy holds every reader's
// address, so only its owner may read it; and a file that takes its name
// while the copy is made (another backup, another program) is left as it
// is, not replaced.
func TestBackupIsPrivateAndNeverOverwrites(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed")
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.db")
	e.mustRun("backup", file)
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: got %v (%v), want mode 0600", info.Mode().Perm(), err)
	}

	// The name is taken after the command's first look: backup itself
	// must refuse it, not replace it.
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := backup(t.Context(), e.db(), taken)
	if !strings.Contains(fmt.Sprint(err), "exists") {
		t.Errorf("backup onto a name taken meanwhile: got %v, want an error saying it exists", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "precious" {
		t.Errorf("the file that took the name: got %d bytes starting %q, want it untouched", len(b), b[:min(len(b), 16)])
	}
	// Where hard links fail, the copy goes to a file opened O_EXCL.
	if err := copyNew(file, taken); !errors.Is(err, fs.ErrExist) {
		t.Errorf("copy onto a taken name: got %v, want ErrExist", err)
	}
	copied := filepath.Join(dir, "copied.db")
	if err := copyNew(file, copied); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(copied); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("copied file: got %v (%v), want mode 0600", info.Mode().Perm(), err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range entries {
		names = append(names, de.Name())
	}
	if want := "backup.db copied.db taken.db"; strings.Join(names, " ") != want {
		t.Errorf("files left: got %q, want %q (no temporary copy)", names, want)
	}
}
