// Command evalranking measures what a reader's votes buy: simulated
// readers, whose hidden interests are drawn from the fixtures' keywords,
// subscribe with topics that only approximate them, get a digest a day
// over the fixture papers through the real matcher, and vote with noise on
// what it shows. Their later days' digests are then ranked by the filters
// alone (relevance + ln(1 + upvotes)) and by the blend with a model of
// their first V votes (package rank), and graded against the hidden
// interests. One line per V:
//
//	eval: votes=V readers=R ndcg_filters=… ndcg_learned=… p5_filters=… p5_learned=…
//
// With DIGESTD_EVAL_RATINGS=FILE it replays a real ratings file
// (arxiv_id,user_id,rating,time) instead and prints the same lines. See
// docs/RANKING.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/digestd/digestd/digest/rank"
)

// config is one evaluation's settings, from the flags.
type config struct {
	fixtures string
	ratings  string // a ratings file to replay instead of simulating
	readers  int
	seed     uint64
	testFrom time.Time // the first test day; the days before it train
	shown    int
	flip     float64   // the share of a simulated reader's votes that go the wrong way
	daily    bool      // rank each test day's digest apart, not the test days' together
	verbose  io.Writer // where each reader's interest, topic and votes go; nil: nowhere
	opt      rank.Options
}

func main() {
	var cfg config
	var testFrom string
	flag.StringVar(&cfg.fixtures, "fixtures", "testdata/fixtures", "directory of the hf_*.json fixtures")
	flag.IntVar(&cfg.readers, "readers", 1000, "simulated readers")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the simulation")
	flag.StringVar(&testFrom, "test-from", "2026-07-22", "first test day (YYYY-MM-DD); the days before it train")
	flag.IntVar(&cfg.shown, "shown", 10, "papers a digest shows, which a reader votes on")
	flag.Float64Var(&cfg.flip, "flip", 0.15, "share of a simulated reader's votes that go the wrong way")
	flag.BoolVar(&cfg.daily, "daily", false, "rank each test day's digest apart instead of the test days' papers together")
	flag.Float64Var(&cfg.opt.Lambda, "lambda", 0, "L2 penalty of the model (0: rank's default)")
	flag.Float64Var(&cfg.opt.PassedWeight, "passed-weight", 0, "weight of a passed-over paper as a negative (0: rank's default)")
	flag.IntVar(&cfg.opt.Keep, "keep", 0, "weights a model keeps (0: rank's default)")
	verbose := flag.Bool("v", false, "describe each simulated reader on stderr")
	flag.Parse()
	if *verbose {
		cfg.verbose = os.Stderr
	}
	cfg.ratings = os.Getenv("DIGESTD_EVAL_RATINGS")
	var err error
	if cfg.testFrom, err = time.Parse(time.DateOnly, testFrom); err != nil {
		fmt.Fprintf(os.Stderr, "evalranking: -test-from %q: want YYYY-MM-DD\n", testFrom)
		os.Exit(2)
	}
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "evalranking:", err)
		os.Exit(1)
	}
}

// run evaluates as cfg says and writes the table to out.
func run(ctx context.Context, out io.Writer, cfg config) error {
	tmp, err := os.MkdirTemp("", "evalranking-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	c, err := openCorpus(ctx, cfg.fixtures, tmp)
	if err != nil {
		return err
	}
	defer c.close()
	if cfg.ratings != "" {
		return replayFile(c, cfg.ratings, cfg.opt, out)
	}
	t, err := simulate(ctx, c, cfg)
	if err != nil {
		return err
	}
	return t.print(out)
}

// simulate runs cfg.readers simulated readers: the training days with
// their votes, then the test days ranked with models of their first V.
// The row of V counts the readers who cast V votes or more during the
// training days.
func simulate(ctx context.Context, c *corpus, cfg config) (*table, error) {
	lastTrain, trainDays, testDays, err := c.split(cfg.testFrom)
	if err != nil {
		return nil, err
	}
	pop, err := newPopulation(c, lastTrain)
	if err != nil {
		return nil, err
	}
	s := &simulation{corpus: c, pop: pop, opt: cfg.opt, shown: cfg.shown, vectors: map[int64]rank.Vector{}}
	rng := rand.New(rand.NewPCG(cfg.seed, 0x6469676573746400))
	maxVotes := voteCounts[len(voteCounts)-1]
	t := newTable()
	for i := range cfg.readers {
		r, err := pop.reader(rng, cfg.flip)
		if err != nil {
			return nil, err
		}
		h, err := s.live(ctx, r, trainDays, maxVotes)
		if err != nil {
			return nil, err
		}
		if cfg.verbose != nil {
			describe(cfg.verbose, i, r, h)
		}
		if !cfg.daily {
			if err := s.evaluate(ctx, t, i, r, h, lastTrain, testDays[len(testDays)-1].until); err != nil {
				return nil, err
			}
			continue
		}
		for _, d := range testDays {
			if err := s.evaluate(ctx, t, i, r, h, d.after, d.until); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}
