package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/digestd/digestd/digest"
)

// progress is a bar with counts and an ETA for long CLI work. It is drawn
// only when the output is a terminal: piped or logged output gets the
// command's summary lines alone, not a stream of redraws. The zero value
// (no terminal) does nothing.
type progress struct{ bar *progressbar.ProgressBar }

// newProgress starts a bar over total steps on w, if w is a terminal. A
// total of -1 is work of unknown size: the bar counts, without an ETA.
func newProgress(w io.Writer, total int, what string) progress {
	f, ok := w.(*os.File)
	if !ok || total == 0 || total < -1 || !term.IsTerminal(int(f.Fd())) {
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

// fetchProgress steps a bar as each source finishes, and passes the report
// on to the metrics.
type fetchProgress struct {
	progress
	next digest.FetchObserver
}

// Fetched implements digest.FetchObserver.
func (p fetchProgress) Fetched(source string, papers int, err error) {
	p.next.Fetched(source, papers, err)
	p.step()
}

// deliveryProgress steps a bar at each message a pass is done with, and
// passes the report on to the metrics.
type deliveryProgress struct {
	progress
	next digest.DeliveryObserver
}

// MessageSent implements digest.DeliveryObserver.
func (p deliveryProgress) MessageSent(elapsed time.Duration) {
	p.next.MessageSent(elapsed)
	p.step()
}

// DigestBounced implements digest.DeliveryObserver.
func (p deliveryProgress) DigestBounced() {
	p.next.DigestBounced()
	p.step()
}

// DigestExpired implements digest.DeliveryObserver.
func (p deliveryProgress) DigestExpired() {
	p.next.DigestExpired()
	p.step()
}
