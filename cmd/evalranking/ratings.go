package main

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/internal/arxivid"
)

// rating is one line of a ratings file: a user's verdict on a paper.
// Above 0 the user liked it; 0 or below they did not.
type rating struct {
	arxivID string
	user    string
	value   float64
	at      time.Time
}

// errRatings is the error of a malformed ratings file.
var errRatings = errors.New("malformed ratings file")

// readRatings reads a ratings CSV, `arxiv_id,user_id,rating,time`, with or
// without that header row. time is RFC 3339, YYYY-MM-DD[ HH:MM:SS] (UTC)
// or Unix seconds. A bad line is an error naming its line and column.
func readRatings(r io.Reader) ([]rating, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	var out []rating
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errRatings, err)
		}
		if line == 1 && strings.EqualFold(rec[0], "arxiv_id") {
			continue
		}
		bad := func(col int, what string) error {
			_, column := cr.FieldPos(col)
			return fmt.Errorf("%w: line %d, column %d: %s", errRatings, line, column, what)
		}
		id, _, ok := arxivid.Parse(rec[0])
		if !ok {
			return nil, bad(0, fmt.Sprintf("arxiv_id %q is no arXiv id", rec[0]))
		}
		if rec[1] == "" {
			return nil, bad(1, "empty user_id")
		}
		v, err := strconv.ParseFloat(rec[2], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, bad(2, fmt.Sprintf("rating %q is not a number", rec[2]))
		}
		at, err := parseTime(rec[3])
		if err != nil {
			return nil, bad(3, fmt.Sprintf("time %q: want RFC 3339, YYYY-MM-DD[ HH:MM:SS] or Unix seconds", rec[3]))
		}
		out = append(out, rating{arxivID: id, user: rec[1], value: v, at: at})
	}
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, int64(secs*1e9)).UTC(), nil
}

// replayFile replays the ratings file at path against the corpus.
func replayFile(c *corpus, path string, opt rank.Options, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ratings, err := readRatings(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return replay(c, ratings, opt).print(out)
}

// replay treats each user's ratings of the corpus papers (the others are
// left out) as votes, in time order: their first V train a model, and
// the papers they rated later than their first maxVotes make the list
// ranked, by upvotes alone (the digest of a reader without topics) and by
// the blend. Users with maxVotes ratings or fewer, or who liked none of
// the later papers, are left out.
func replay(c *corpus, ratings []rating, opt rank.Options) *table {
	byUser := map[string][]rating{}
	for _, r := range ratings {
		if _, ok := c.byArxiv[r.arxivID]; ok {
			byUser[r.user] = append(byUser[r.user], r)
		}
	}
	maxVotes := voteCounts[len(voteCounts)-1]
	t := newTable()
	for i, u := range slices.Sorted(maps.Keys(byUser)) {
		rs := byUser[u]
		slices.SortStableFunc(rs, func(a, b rating) int { return a.at.Compare(b.at) })
		if len(rs) <= maxVotes {
			continue
		}
		var test []rating
		found := false
		for _, r := range rs[maxVotes:] {
			if r.at.After(rs[maxVotes-1].at) {
				test = append(test, r)
				found = found || liked(r) > 0
			}
		}
		if found {
			replayUser(c, t, i, rs[:maxVotes], test, opt)
		}
	}
	return t
}

// replayUser adds one user's list to the table: the papers they rated
// after their training ratings, ordered by upvotes (the digest of a
// reader without topics, as Store.Trending orders it) and by the blend of
// that with a model of their first V ratings.
func replayUser(c *corpus, t *table, user int, train, test []rating, opt rank.Options) {
	papers := make([]digest.Paper, len(test))
	for i, r := range test {
		papers[i] = c.papers[c.byArxiv[r.arxivID]]
	}
	order := make([]int, len(test))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(papers[b].Upvotes, papers[a].Upvotes), papers[b].PublishedAt.Compare(papers[a].PublishedAt))
	})
	base, relevance := make([]float64, len(test)), make([]int, len(test))
	for i, k := range order {
		base[i] = math.Log1p(float64(max(papers[k].Upvotes, 0)))
		relevance[i] = liked(test[k])
	}
	for row, v := range voteCounts {
		var ex []rank.Example
		for _, r := range train[:v] {
			kind := rank.Down
			if liked(r) > 0 {
				kind = rank.Up
			}
			ex = append(ex, rank.Example{Paper: c.papers[c.byArxiv[r.arxivID]], Kind: kind})
		}
		m := rank.Train(ex, opt)
		model := make([]float64, len(test))
		for i, k := range order {
			model[i] = m.Score(papers[k])
		}
		learned := make([]int, len(test))
		for i, k := range rank.Order(base, model, m.Examples) {
			learned[i] = relevance[k]
		}
		t.add(row, user, relevance, learned)
	}
}

// liked is a rating's relevance: 1 above 0, else 0.
func liked(r rating) int {
	if r.value > 0 {
		return 1
	}
	return 0
}
