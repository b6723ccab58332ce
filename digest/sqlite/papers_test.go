package sqlite_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// stored loads the paper with arXiv id id.
func stored(t *testing.T, s *sqlite.Store, id string) (int64, digest.Paper) {
	t.Helper()
	var rowID int64
	if err := s.DB().QueryRow(`SELECT id FROM papers WHERE arxiv_id = ?`, id).Scan(&rowID); err != nil {
		t.Fatalf("paper %s: %v", id, err)
	}
	m, err := s.PapersByID(context.Background(), []int64{rowID})
	if err != nil {
		t.Fatal(err)
	}
	return rowID, m[rowID]
}

func TestSavePapersMergesSources(t *testing.T) {
	s, db := digesttest.Open(t)
	hfs, axs := digesttest.Papers(t, digesttest.HFDay1), digesttest.Papers(t, digesttest.ArxivFeed)
	if got, want := digesttest.Save(t, s, hfs), (sqlite.SaveResult{New: 25}); got != want {
		t.Errorf("save hf: got %+v, want %+v", got, want)
	}
	if got, want := digesttest.Save(t, s, axs), (sqlite.SaveResult{New: 48, Updated: 2}); got != want {
		t.Errorf("save arxiv: got %+v, want %+v", got, want)
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM papers`); got != 73 {
		t.Errorf("got %d papers, want 73", got)
	}
	_, p := stored(t, s, "2607.09657")
	ax := axs[slices.IndexFunc(axs, func(p digest.Paper) bool { return p.ID == "2607.09657" })]
	if p.Upvotes != 34 || p.Source != "arxiv,huggingface" || !slices.Equal(p.Categories, ax.Categories) ||
		len(p.Categories) == 0 || !p.FeaturedOn.Equal(time.Date(2026, 7, 13, 0, 0, 0, 0, time.UTC)) ||
		p.Version != 1 || !p.UpdatedAt.Equal(ax.UpdatedAt) {
		t.Errorf("merged paper: got %+v, want arXiv categories %v, 34 upvotes, featured 2026-07-13", p, ax.Categories)
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM papers WHERE sources = 'arxiv,huggingface'`); got != 2 {
		t.Errorf("got %d papers from both sources, want 2", got)
	}
	// Saving again changes nothing, not even the arrival time.
	if _, err := db.Exec(`UPDATE papers SET arrived_at = 1000, changed_at = 1000`); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]digest.Paper{hfs, axs} {
		if got := digesttest.Save(t, s, batch); got != (sqlite.SaveResult{}) {
			t.Errorf("save again: got %+v, want nothing new or updated", got)
		}
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM papers WHERE arrived_at != 1000 OR changed_at != 1000`); got != 0 {
		t.Errorf("got %d papers with a new arrived_at or changed_at, want 0", got)
	}
}

func TestSavePapersMergeRules(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 7, d, 12, 0, 0, 0, time.UTC) }
	arx := func(v int, updated time.Time, title string) digest.Paper {
		return digest.Paper{ID: "2607.00001", Version: v, Title: title, Abstract: title + " abstract",
			Authors: []string{"A"}, Categories: []string{"cs.CL"}, PublishedAt: day(1), UpdatedAt: updated, Source: "arxiv"}
	}
	hug := func(upvotes int, published time.Time, title string) digest.Paper {
		return digest.Paper{ID: "2607.00001", Title: title, Abstract: title + " abstract", Authors: []string{"A"},
			Org: "Qwen", Upvotes: upvotes, PublishedAt: published, FeaturedOn: day(13).Truncate(24 * time.Hour), Source: "huggingface"}
	}
	noAuthors := hug(3, day(1), "Anonymous")
	noAuthors.Authors = nil
	tests := []struct {
		name                     string
		saves                    [][]digest.Paper
		wantLast                 sqlite.SaveResult
		wantTitle                string
		wantVersion, wantUpvotes int
		wantOrg, wantSources     string
		wantCategory             bool
	}{
		{"newer arxiv version replaces the text", [][]digest.Paper{{arx(1, day(2), "Old")}, {arx(2, day(20), "New")}},
			sqlite.SaveResult{Updated: 1}, "New", 2, 0, "", "arxiv", true},
		{"stale arxiv version keeps the text", [][]digest.Paper{{arx(2, day(20), "New")}, {arx(1, day(2), "Old")}},
			sqlite.SaveResult{}, "New", 2, 0, "", "arxiv", true},
		{"older hf record keeps newer arxiv text", [][]digest.Paper{{arx(1, day(5), "Arxiv")}, {hug(7, day(1), "HF")}},
			sqlite.SaveResult{Updated: 1}, "Arxiv", 1, 7, "Qwen", "arxiv,huggingface", true},
		{"arxiv after hf keeps upvotes and org", [][]digest.Paper{{hug(7, day(1), "HF")}, {arx(1, day(5), "Arxiv")}},
			sqlite.SaveResult{Updated: 1}, "Arxiv", 1, 7, "Qwen", "arxiv,huggingface", true},
		{"upvotes never go down", [][]digest.Paper{{hug(30, day(1), "HF")}, {hug(12, day(1), "HF")}},
			sqlite.SaveResult{}, "HF", 0, 30, "Qwen", "huggingface", false},
		{"upvotes go up", [][]digest.Paper{{hug(12, day(1), "HF")}, {hug(30, day(1), "HF")}},
			sqlite.SaveResult{Updated: 1}, "HF", 0, 30, "Qwen", "huggingface", false},
		{"paper without authors saved twice", [][]digest.Paper{{noAuthors}, {noAuthors}},
			sqlite.SaveResult{}, "Anonymous", 0, 3, "Qwen", "huggingface", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := digesttest.Open(t)
			var last sqlite.SaveResult
			for _, batch := range tt.saves {
				last = digesttest.Save(t, s, batch)
			}
			_, p := stored(t, s, "2607.00001")
			if last != tt.wantLast {
				t.Errorf("last save: got %+v, want %+v", last, tt.wantLast)
			}
			if p.Title != tt.wantTitle || p.Abstract != tt.wantTitle+" abstract" || p.Version != tt.wantVersion ||
				p.Upvotes != tt.wantUpvotes || p.Org != tt.wantOrg || p.Source != tt.wantSources ||
				(len(p.Categories) > 0) != tt.wantCategory {
				t.Errorf("got %q v%d, %d upvotes, org %q, sources %q, categories %v; want %q v%d, %d, %q, %q, categories %v",
					p.Title, p.Version, p.Upvotes, p.Org, p.Source, p.Categories,
					tt.wantTitle, tt.wantVersion, tt.wantUpvotes, tt.wantOrg, tt.wantSources, tt.wantCategory)
			}
		})
	}
}

func TestSavePapersFTSFollowsUpdates(t *testing.T) {
	s, db := digesttest.Open(t)
	p := digest.Paper{ID: "2607.00002", Version: 1, Title: "Sparse Zebra Routing", Categories: []string{"cs.LG"},
		PublishedAt: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Source: "arxiv"}
	digesttest.Save(t, s, []digest.Paper{p})
	p.Version, p.Title, p.UpdatedAt = 2, "Sparse Giraffe Routing", p.UpdatedAt.AddDate(0, 0, 9)
	digesttest.Save(t, s, []digest.Paper{p})
	for _, tt := range []struct {
		query string
		want  int
	}{{"giraffe", 1}, {"zebra", 0}, {"title:sparse", 1}, {`categories:"cs.LG"`, 1}} {
		if got := digesttest.Count(t, db, `SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?`, tt.query); got != tt.want {
			t.Errorf("MATCH %s: got %d rows, want %d", tt.query, got, tt.want)
		}
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM papers_fts`); got != 1 {
		t.Errorf("got %d index rows, want 1", got)
	}
}

func TestPapersByIDRoundTrip(t *testing.T) {
	s, _ := digesttest.Open(t)
	at := func(d int) time.Time { return time.Date(2026, 7, d, 0, 0, 0, 0, time.UTC) }
	want := digest.Paper{
		ID: "hep-th/0601001", Version: 3, Title: "Strings, “Quoted” & <b>tagged</b>", Abstract: "Ünïcode abstract.",
		Authors: []string{"Ed Witten", "Kurt Gödel"}, Categories: []string{"hep-th", "gr-qc"}, Org: "IAS", Upvotes: 9,
		PublishedAt: at(1), UpdatedAt: at(2).Add(time.Hour + time.Second), FeaturedOn: at(3), AISummary: "A summary.",
		AIKeywords: []string{"strings", "duality"}, GithubRepo: "https://github.com/x/y", ProjectPage: "https://x.example",
		Comment: "12 pages", DOI: "10.1000/xyz", JournalRef: "Phys. Rev. D 1 (2006)", Source: "arxiv",
	}
	digesttest.Save(t, s, []digest.Paper{want})
	id, got := stored(t, s, want.ID)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	m, err := s.PapersByID(context.Background(), []int64{id, id + 100})
	if err != nil || len(m) != 1 {
		t.Errorf("with an unknown id: got %d papers (%v), want 1", len(m), err)
	}
	if m, err := s.PapersByID(context.Background(), nil); err != nil || len(m) != 0 {
		t.Errorf("no ids: got %v (%v), want none", m, err)
	}
}

func TestLastPaper(t *testing.T) {
	s, _ := digesttest.Open(t)
	if id, at, err := s.LastPaper(context.Background()); id != 0 || !at.IsZero() || err != nil {
		t.Errorf("empty: got %d, %v, %v; want 0, zero, nil", id, at, err)
	}
	before := time.Now().Truncate(time.Second)
	papers := digesttest.Papers(t, digesttest.HFDay1)
	digesttest.Save(t, s, papers)
	wantID, _ := stored(t, s, papers[len(papers)-1].ID)
	id, at, err := s.LastPaper(context.Background())
	if id != wantID || at.Before(before) || at.After(time.Now()) || err != nil {
		t.Errorf("got %d, %v, %v; want %d, about now", id, at, err, wantID)
	}
}

// TestLibraryPapersArriveWhenPublished: a paper fetched for a library
// arrives when it was published, so an old one stays out of the recent
// papers digests are made of and the newest arrival is still the fetch's;
// a paper stored before keeps its arrival.
func TestLibraryPapersArriveWhenPublished(t *testing.T) {
	s, db := digesttest.Open(t)
	ctx := context.Background()
	day := digesttest.Papers(t, digesttest.HFDay1)
	digesttest.Save(t, s, day)
	_, fetched, _ := s.LastPaper(ctx)
	yesterday := time.Now().Add(-24 * time.Hour).Truncate(time.Second).UTC()
	lib := []digest.Paper{
		{ID: "1707.08567", Title: "Proceedings of Workshop AEW10", PublishedAt: time.Date(2017, 7, 27, 8, 18, 33, 0, time.UTC), Source: "arxiv"},
		{ID: "2607.99999", Title: "Published Yesterday", PublishedAt: yesterday, Source: "arxiv"},
		{ID: day[0].ID, Title: day[0].Title, PublishedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Source: "arxiv"},
	}
	res, err := s.SaveLibraryPapers(ctx, lib)
	if err != nil || res.New != 2 {
		t.Fatalf("got %+v, %v; want 2 new", res, err)
	}
	arrived := func(id string) time.Time {
		var at int64
		if err := db.QueryRow(`SELECT arrived_at FROM papers WHERE arxiv_id = ?`, id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return time.Unix(at, 0).UTC()
	}
	for _, tt := range []struct {
		id   string
		want time.Time
	}{{"1707.08567", lib[0].PublishedAt}, {"2607.99999", yesterday}, {day[0].ID, fetched}} {
		if got := arrived(tt.id); !got.Equal(tt.want) {
			t.Errorf("%s arrived: got %s, want %s", tt.id, got, tt.want)
		}
	}
	lastID, last, err := s.LastPaper(ctx)
	if wantID, _ := stored(t, s, "2607.99999"); err != nil || lastID != wantID || !last.Equal(fetched) {
		t.Errorf("LastPaper: got %d, %s, %v; want %d (the library's paper stored last), %s (the fetch's arrival)", lastID, last, err, wantID, fetched)
	}
	recent, err := s.Recent(ctx, last.Add(-digest.RecentSpan), lastID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range recent {
		ids = append(ids, p.Paper.ID)
	}
	if slices.Contains(ids, "1707.08567") || !slices.Contains(ids, "2607.99999") || len(ids) != len(day)+1 {
		t.Errorf("recent papers: got %d (%q…), want the day's %d and the paper of yesterday, not the one of 2017", len(ids), ids[max(0, len(ids)-2):], len(day))
	}
}

func TestTrendingWindow(t *testing.T) {
	s, db := digesttest.Open(t)
	ctx := context.Background()
	digesttest.Save(t, s, digesttest.Papers(t, digesttest.HFDay1))
	type row struct{ id, upvotes, published int64 }
	// The first ten papers arrived a day earlier than the rest.
	if _, err := db.Exec(`UPDATE papers SET arrived_at = arrived_at - 86400 WHERE id <= 10`); err != nil {
		t.Fatal(err)
	}
	var all []row
	rows, err := db.Query(`SELECT id, upvotes, published_at FROM papers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.upvotes, &r.published); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	slices.SortFunc(all, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.upvotes, a.upvotes), cmp.Compare(b.published, a.published), cmp.Compare(a.id, b.id))
	})
	// A reader was already sent the two most upvoted papers.
	sub, err := subscribers.NewStore(db).Add(ctx, "r@example.org", subscribers.StatusActive, subscribers.DefaultSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO digests (id, subscriber_id, period, status, message_id, recipient, papers, window_end, created_at)
		VALUES (1, ?, '2026-07-13', 'sent', '<m@x>', 'r@example.org', 2, 0, 0)`, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO sent_papers VALUES (?, ?, 1), (?, ?, 1)`, sub.ID, all[0].id, sub.ID, all[1].id); err != nil {
		t.Fatal(err)
	}
	_, lastArrival, _ := s.LastPaper(ctx)
	tests := []struct {
		name string
		w    digest.Window
		keep func(row) bool
		max  int
	}{
		{"everything", digest.Window{}, func(row) bool { return true }, 50},
		{"after id", digest.Window{AfterID: 12}, func(r row) bool { return r.id > 12 }, 50},
		{"id range", digest.Window{AfterID: 3, UntilID: 17}, func(r row) bool { return r.id > 3 && r.id <= 17 }, 50},
		{"arrived after", digest.Window{ArrivedAfter: lastArrival.Add(-time.Hour)}, func(r row) bool { return r.id > 10 }, 50},
		{"exclude sent", digest.Window{ExcludeSentTo: sub.ID}, func(r row) bool { return r.id != all[0].id && r.id != all[1].id }, 50},
		{"other reader", digest.Window{ExcludeSentTo: sub.ID + 1}, func(row) bool { return true }, 50},
		{"limit", digest.Window{Limit: 3}, func(row) bool { return true }, 3},
		{"all together", digest.Window{AfterID: 2, UntilID: 20, ArrivedAfter: lastArrival.Add(-time.Hour), ExcludeSentTo: sub.ID, Limit: 4},
			func(r row) bool { return r.id > 10 && r.id <= 20 && r.id != all[0].id && r.id != all[1].id }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, r := range all {
				if tt.keep(r) && len(want) < tt.max {
					want = append(want, r.id)
				}
			}
			got, err := s.Trending(ctx, tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
