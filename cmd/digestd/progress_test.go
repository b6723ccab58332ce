//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/digestd/digestd/digest/mailer/smtptest"
)

// openPTY opens a pseudo-terminal: what the command writes to tty, a
// terminal for term.IsTerminal, comes out of the returned reader.
func openPTY(t *testing.T) (tty *os.File, out func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	got := make(chan string, 1)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, master) // ends with EIO once the tty side is closed
		got <- b.String()
	}()
	return tty, func() string {
		tty.Close()
		return <-got
	}
}

// TestProgress: fetch and run draw a bar on a terminal, and print only
// their summary lines elsewhere.
func TestProgress(t *testing.T) {
	relay := smtptest.Start(t)
	e := newEnv(t, startSources(t), relay)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining")
	tests := []struct {
		name         string
		args         []string
		bar          string
		summary      string
		pipedSummary string // the second time: fetched again, delivered already
	}{
		{"fetch", []string{"fetch", "--date", fixtureDay, "--days", "2"}, "fetching 2 days", "huggingface: ", "huggingface: "},
		{"run", []string{"run", "--now"}, "delivering", "due 1, empty 0, built 1, sent 1", "due 0, empty 0, built 0, sent 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var plain, errb bytes.Buffer
			tty, out := openPTY(t)
			if code := execute(context.Background(), append([]string{"--config", e.config}, tt.args...), tty, &errb); code != 0 {
				t.Fatalf("on a terminal: exit %d\n%s", code, errb.String())
			}
			drawn := out()
			if !strings.Contains(drawn, tt.bar) || !strings.Contains(drawn, tt.summary) {
				t.Errorf("on a terminal: got %q, want a bar %q and the summary %q", drawn, tt.bar, tt.summary)
			}
			if code := execute(context.Background(), append([]string{"--config", e.config}, tt.args...), &plain, &errb); code != 0 {
				t.Fatalf("piped: exit %d\n%s", code, errb.String())
			}
			if strings.Contains(plain.String(), tt.bar) || !strings.Contains(plain.String(), tt.pipedSummary) {
				t.Errorf("piped: got %q, want the summary %q alone", plain.String(), tt.pipedSummary)
			}
		})
	}
}
