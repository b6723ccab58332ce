package main

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/hf"
	"github.com/digestd/digestd/digest/match"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers/query"
)

// corpus is the fixtures' Hugging Face papers stored day by day in a
// database of their own, as the nightly fetch would have stored them, and
// matched by the engine a delivery pass matches with.
type corpus struct {
	db      *sql.DB
	store   *sqlite.Store
	ix      *match.Index
	days    []day
	papers  map[int64]digest.Paper // by row id
	byArxiv map[string]int64       // row id by arXiv id
	// keywords are the papers' ai_keywords, each once, in file order.
	keywords []string
}

// day is one Daily Papers day: its papers are the rows after < id <= until.
type day struct {
	date         time.Time
	after, until int64
}

// openCorpus reads every hf_*.json of dir and stores its papers, each
// under the first day it was featured, in a database under tmp.
func openCorpus(ctx context.Context, dir, tmp string) (*corpus, error) {
	files, err := filepath.Glob(filepath.Join(dir, "hf_*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("fixtures %s: no hf_*.json files", dir)
	}
	c := &corpus{papers: map[int64]digest.Paper{}, byArxiv: map[string]int64{}}
	first := map[string]digest.Paper{}
	seenKeyword := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		page, err := hf.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, p := range page.Papers {
			for _, k := range p.AIKeywords {
				if key := phraseKey(words(k)); key != "" && !seenKeyword[key] {
					seenKeyword[key] = true
					c.keywords = append(c.keywords, k)
				}
			}
			old, ok := first[p.ID]
			if !p.FeaturedOn.IsZero() && (!ok || p.FeaturedOn.Before(old.FeaturedOn)) {
				first[p.ID] = p
			}
		}
	}
	byDay := map[time.Time][]digest.Paper{}
	for _, p := range first {
		byDay[p.FeaturedOn] = append(byDay[p.FeaturedOn], p)
	}
	c.db, err = sqlite.Open(ctx, filepath.Join(tmp, "eval.db"))
	if err != nil {
		return nil, err
	}
	if c.store, err = sqlite.NewStore(ctx, c.db); err != nil {
		c.db.Close()
		return nil, err
	}
	if err := c.save(ctx, byDay); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// save stores the papers a day at a time, oldest day first, so that row
// ids follow the days, and reads them back as the matcher sees them.
func (c *corpus) save(ctx context.Context, byDay map[time.Time][]digest.Paper) error {
	var after int64
	for _, date := range slices.SortedFunc(maps.Keys(byDay), time.Time.Compare) {
		papers := byDay[date]
		slices.SortFunc(papers, func(a, b digest.Paper) int { return cmp.Compare(a.ID, b.ID) })
		if _, err := c.store.SavePapers(ctx, papers); err != nil {
			return fmt.Errorf("save %s: %w", date.Format(time.DateOnly), err)
		}
		until, _, err := c.store.LastPaper(ctx)
		if err != nil {
			return err
		}
		c.days = append(c.days, day{date: date, after: after, until: until})
		after = until
	}
	stored, err := c.store.Recent(ctx, time.Time{}, 0)
	if err != nil {
		return err
	}
	docs := make([]match.Doc, len(stored))
	for i, sp := range stored {
		c.papers[sp.RowID] = sp.Paper
		c.byArxiv[sp.ID] = sp.RowID
		docs[i] = match.Doc{ID: sp.RowID, Title: sp.Title, Abstract: sp.Abstract, Org: sp.Org, Authors: sp.Authors,
			Categories: sp.Categories, Upvotes: sp.Upvotes, Published: sp.PublishedAt.Unix(), Arrived: sp.Arrived.Unix()}
	}
	c.ix, err = match.NewIndex(docs)
	return err
}

// match runs a topic over the papers after < id <= until, as a digest
// does: every match, best first by relevance + ln(1 + upvotes).
func (c *corpus) match(q *query.Query, after, until int64) ([]digest.Match, error) {
	return c.ix.Match(q, match.Filter{AfterID: after, UntilID: until})
}

// split returns the last row id of the training days: the days before
// the first one on or after test.
func (c *corpus) split(test time.Time) (lastTrain int64, trainDays, testDays []day, err error) {
	for _, d := range c.days {
		if d.date.Before(test) {
			trainDays = append(trainDays, d)
			lastTrain = d.until
		} else {
			testDays = append(testDays, d)
		}
	}
	if len(trainDays) == 0 || len(testDays) == 0 {
		return 0, nil, nil, fmt.Errorf("split at %s leaves no training or no test days", test.Format(time.DateOnly))
	}
	return lastTrain, trainDays, testDays, nil
}

func (c *corpus) close() error {
	return errors.Join(c.store.Close(), c.db.Close())
}
