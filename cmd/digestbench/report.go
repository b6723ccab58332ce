package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// report prints the phases, the pass's counts and the summary line.
func (b *bench) report(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\twall_s\tcpu_s\titems\tMB\titems/s\t")
	for _, p := range b.phases {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%d\t%.1f\t%.0f\t\n", p.name, p.wall.Seconds(), p.cpu.Seconds(),
			p.messages, float64(p.bytes)/(1<<20), p.perSecond())
	}
	tw.Flush()
	r := b.result
	fmt.Fprintf(w, "readers %d with %d topics; pass: due %d, empty %d, built %d, sent %d, failed %d, pending %d\n",
		b.opt.subscribers, b.topics, r.Due, r.Empty, r.Built, r.Sent, r.Failed, r.Pending)
	if r.Sent > 0 {
		fmt.Fprintf(w, "mean digest %.1f KiB; %d SMTP connections\n", float64(b.pass.bytes)/float64(r.Sent)/1024, len(b.senders))
	}
	peak := peakRSS()
	fmt.Fprintf(w, "peak RSS (VmHWM) %.0f MiB (Go memory limit %s); database %.0f MiB\n",
		float64(peak)/(1<<20), memLimit(b.opt.memLimit), float64(dbSize(b.path))/(1<<20))
	d, l := b.pass.perSecond(), b.smtp.perSecond()
	fmt.Fprintf(w, "bench: topics=%s archive=%d votes=%d subscribers=%d papers=%d total_s=%.1f digests_per_s=%.0f smtp_limit_per_s=%.0f ratio=%.3f peak_rss_mb=%.0f\n",
		b.opt.topics, b.opt.archive, b.opt.votes, b.opt.subscribers, b.opt.papers, b.pass.wall.Seconds(), d, l, d/l, float64(peak)/(1<<20))
}

// cpuTime is the user and system time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set size in bytes (VmHWM in
// /proc/self/status); 0 where there is no /proc.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dbSize is the database with its write-ahead log.
func dbSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// memLimit writes a soft memory limit in MiB, "off" for none.
func memLimit(limit int64) string {
	if limit == math.MaxInt64 {
		return "off"
	}
	return fmt.Sprintf("%.0f MiB", float64(limit)/(1<<20))
}
