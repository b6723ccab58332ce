package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const fixtures = "../../testdata/fixtures"

func testConfig(t *testing.T) config {
	t.Helper()
	from, err := time.Parse(time.DateOnly, "2026-07-22")
	if err != nil {
		t.Fatal(err)
	}
	return config{fixtures: fixtures, readers: 30, seed: 1, testFrom: from, shown: 10, flip: 0.15}
}

var line = regexp.MustCompile(`^eval: votes=(\d+) readers=(\d+) ndcg_filters=(\d\.\d{3}) ndcg_learned=(\d\.\d{3}) p5_filters=(\d\.\d{3}) p5_learned=(\d\.\d{3})$`)

// row is one printed line of the table.
type row struct {
	votes, readers                                 int
	ndcgFilters, ndcgLearned, p5Filters, p5Learned float64
}

// parseTable reads the printed table: one line per number of votes.
func parseTable(t *testing.T, out string) []row {
	t.Helper()
	var rows []row
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q is not an eval line", l)
		}
		var r row
		r.votes, _ = strconv.Atoi(m[1])
		r.readers, _ = strconv.Atoi(m[2])
		for i, f := range []*float64{&r.ndcgFilters, &r.ndcgLearned, &r.p5Filters, &r.p5Learned} {
			*f, _ = strconv.ParseFloat(m[3+i], 64)
		}
		rows = append(rows, r)
	}
	if len(rows) != len(voteCounts) {
		t.Fatalf("%d lines, want %d:\n%s", len(rows), len(voteCounts), out)
	}
	for i, r := range rows {
		if r.votes != voteCounts[i] {
			t.Errorf("line %d is for %d votes, want %d", i+1, r.votes, voteCounts[i])
		}
	}
	return rows
}

func TestSimulationIsDeterministic(t *testing.T) {
	cfg := testConfig(t)
	var first, second bytes.Buffer
	if err := run(context.Background(), &first, cfg); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), &second, cfg); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("two runs of one seed differ:\n%s\n%s", first.String(), second.String())
	}
	rows := parseTable(t, first.String())
	if rows[0].readers == 0 {
		t.Fatalf("no reader counted:\n%s", first.String())
	}
	if rows[0].ndcgLearned != rows[0].ndcgFilters || rows[0].p5Learned != rows[0].p5Filters {
		t.Errorf("at 0 votes learned %+v differs from the filters", rows[0])
	}
}

func TestReplayRatings(t *testing.T) {
	cfg := testConfig(t)
	cfg.ratings = "testdata/ratings.csv"
	var out bytes.Buffer
	if err := run(context.Background(), &out, cfg); err != nil {
		t.Fatal(err)
	}
	rows := parseTable(t, out.String())
	// agents and video rated over 20 papers of the fixtures; few rated 8.
	for _, r := range rows {
		if r.readers != 2 {
			t.Errorf("votes=%d: %d readers, want 2 (agents and video)", r.votes, r.readers)
		}
	}
	if rows[0].ndcgLearned != rows[0].ndcgFilters {
		t.Errorf("at 0 votes learned NDCG %.3f, want the filters' %.3f", rows[0].ndcgLearned, rows[0].ndcgFilters)
	}
	// Each user's ratings follow one word, up to a few slips: 20 of them
	// teach it.
	if last := rows[len(rows)-1]; last.ndcgLearned < last.ndcgFilters+0.1 {
		t.Errorf("at 20 votes learned NDCG %.3f, want at least the filters' %.3f + 0.1", last.ndcgLearned, last.ndcgFilters)
	}
}

func TestReadRatingsNamesTheCulprit(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bad arxiv id", "arxiv_id,user_id,rating,time\nnope,u,1,2026-07-01\n", "line 2, column 1: arxiv_id \"nope\""},
		{"bad rating", "2607.00001,u,1,2026-07-01\n2607.00002,u,good,2026-07-01\n", "line 2, column 14: rating \"good\""},
		{"bad time", "2607.00001,u,1,yesterday\n", "line 1, column 16: time \"yesterday\""},
		{"empty user", "2607.00001,,1,2026-07-01\n", "line 1, column 12: empty user_id"},
		{"missing field", "2607.00001,u,1\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRatings(strings.NewReader(tt.in))
			if !errors.Is(err, errRatings) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readRatings = %v, want an errRatings naming %q", err, tt.want)
			}
		})
	}
}

func TestReadRatings(t *testing.T) {
	in := "arxiv_id,user_id,rating,time\n" +
		"https://arxiv.org/abs/2607.00001v2,u1,1,2026-07-01T10:00:00Z\n" +
		"2607.00002,u1,-1,2026-07-02 11:30:00\n" +
		"2607.00003,u2,0,1785000000\n"
	got, err := readRatings(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []rating{
		{"2607.00001", "u1", 1, time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)},
		{"2607.00002", "u1", -1, time.Date(2026, 7, 2, 11, 30, 0, 0, time.UTC)},
		{"2607.00003", "u2", 0, time.Unix(1785000000, 0).UTC()},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("readRatings = %v, want %v", got, want)
	}
}

func TestTestDaysAreLater(t *testing.T) {
	cfg := testConfig(t)
	c, err := openCorpus(context.Background(), fixtures, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	lastTrain, train, test, err := c.split(cfg.testFrom)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range train {
		if !d.date.Before(cfg.testFrom) || d.until > lastTrain {
			t.Errorf("training day %s (rows to %d) is not before %s (row %d)", d.date.Format(time.DateOnly), d.until, cfg.testFrom.Format(time.DateOnly), lastTrain)
		}
	}
	for _, d := range test {
		if d.date.Before(cfg.testFrom) || d.after < lastTrain {
			t.Errorf("test day %s (rows from %d) is before %s (row %d)", d.date.Format(time.DateOnly), d.after+1, cfg.testFrom.Format(time.DateOnly), lastTrain)
		}
	}
	if len(train) == 0 || len(test) == 0 {
		t.Errorf("%d training days and %d test days, want some of each", len(train), len(test))
	}
}

func TestTopicsAreNotTheInterests(t *testing.T) {
	cfg := testConfig(t)
	c, err := openCorpus(context.Background(), fixtures, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	lastTrain, _, _, err := c.split(cfg.testFrom)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := newPopulation(c, lastTrain)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		r, err := pop.reader(rng, 0.15)
		if err != nil {
			t.Fatal(err)
		}
		for _, term := range r.topic.Terms() {
			for _, ph := range r.interest {
				if strings.Join(term.Words, " ") == phraseKey(ph) {
					t.Errorf("reader %d: topic %q names the interest %q", i, r.topic.Text, phraseKey(ph))
				}
			}
		}
	}
}

func TestNDCG(t *testing.T) {
	tests := []struct {
		name      string
		relevance []int
		want      float64
	}{
		{"best order", []int{2, 1, 0, 0}, 1},
		{"worst order", []int{0, 0, 1}, 0.5},
		{"graded swap", []int{1, 2}, (1 + 3/1.5849625007211562) / (3 + 1/1.5849625007211562)},
		{"past the cut", append(make([]int, 10), 1), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ndcg(tt.relevance, 10); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Errorf("ndcg(%v) = %v, want %v", tt.relevance, got, tt.want)
			}
		})
	}
	if got := precision([]int{1, 0, 1}, 5); got != 0.4 {
		t.Errorf("precision of 2 relevant in 3 at 5 = %v, want 0.4", got)
	}
}
