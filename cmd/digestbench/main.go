// Command digestbench measures one night of digestd at scale: it loads
// made-up papers and readers into a fresh database, runs the delivery pass
// `digestd run --now` runs against a loopback SMTP server that discards
// what it gets, measures that server's own limit, and prints a table and
// one summary line. See docs/PERFORMANCE.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/digestd/digestd/internal/memlimit"
)

// options are digestbench's flags.
type options struct {
	subscribers, papers int
	topics              string
	archive             int
	votes               int
	concurrency         int
	maxPapers           int
	fixtures            string
	seed                uint64
	timeout             time.Duration
	relayRTT            time.Duration
	keep                bool
	save, from          string
	cpuProfile          string
	trace               string
	memProfile          string
	// memLimit is the Go runtime's soft memory limit, digestd's
	// (memlimit.Apply) unless GOMEMLIMIT sets another.
	memLimit int64
}

func main() {
	o := options{memLimit: memlimit.Apply()}
	flag.IntVar(&o.subscribers, "subscribers", 100_000, "readers to load")
	flag.IntVar(&o.papers, "papers", 2_000, "papers to load, arrived today")
	flag.StringVar(&o.topics, "topics", narrow, "the readers' topics: narrow (specific phrases, authors, categories) or broad (frequent words, two ANDed, two ORed with a third excluded)")
	flag.IntVar(&o.votes, "votes", 0, "votes every reader casts on papers of the day, their models trained before the pass")
	flag.IntVar(&o.archive, "archive", 0, "older papers to store before today's, arrived over the year before (a year of arXiv and Hugging Face is ~500,000)")
	flag.IntVar(&o.concurrency, "concurrency", 3, "delivery workers (SMTP connections); digestd's default smtp.concurrency")
	flag.IntVar(&o.maxPapers, "max-papers", 20, "papers per digest; digestd's default digest.max_papers")
	flag.StringVar(&o.fixtures, "fixtures", "testdata/fixtures", "directory of the hf_*.json fixtures the papers are made from")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed makes the same papers and readers")
	flag.DurationVar(&o.relayRTT, "relay-rtt", 0, "make the SMTP server's replies arrive this late, as from a relay a round trip this long away")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "give up after this long")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and print where it is")
	flag.StringVar(&o.save, "save", "", "write the database to this file once loaded (and the models trained), before the pass")
	flag.StringVar(&o.from, "from", "", "start from a copy of a database -save wrote instead of loading one, so that the pass runs in a process that did nothing before it (give the -subscribers, -topics and -votes it was made with, for the summary line)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the delivery pass to this file")
	flag.StringVar(&o.trace, "trace", "", "write an execution trace of the delivery pass to this file (go tool trace)")
	flag.StringVar(&o.memProfile, "memprofile", "", "write the heap profile of the delivery pass at its largest live heap to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "digestbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "digestbench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("database:", filepath.Join(dir, "digestd.db"))
	} else {
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "digestd.db")
	if o.from != "" {
		if err := restore(ctx, o.from, path); err != nil {
			return err
		}
	}
	b, err := newBench(ctx, path, o)
	if err != nil {
		return err
	}
	defer b.Close()
	if o.from != "" {
		err = b.countTopics(ctx)
	} else {
		err = b.load(ctx, rand.New(rand.NewPCG(o.seed, o.seed)))
	}
	if err != nil {
		return err
	}
	if o.save != "" {
		if err := b.save(ctx, o.save); err != nil {
			return err
		}
	}
	if err := b.deliver(ctx); err != nil {
		return err
	}
	if err := b.limit(ctx); err != nil {
		return err
	}
	b.report(os.Stdout)
	return nil
}
