package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is a bar with counts and an ETA for long CLI work. It is drawn
// only when the output is a terminal: piped or logged output gets the
// command's summary lines alone, not a stream of redraws. The zero value
// (no terminal) does nothing.
type progress struct{ bar *progressbar.ProgressBar }

// newProgress starts a bar over total steps on w, if w is a terminal.
func newProgress(w io.Writer, total int, what string) progress {
	f, ok := w.(*os.File)
	if !ok || total < 1 || !term.IsTerminal(int(f.Fd())) {
		return progress{}
	}
	return progress{progressbar.NewOptions(total, progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())}
}

// step counts one step done.
func (p progress) step() {
	if p.bar != nil {
		p.bar.Add(1)
	}
}

// done clears the bar, so the summary lines that follow start on a clean line.
func (p progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
