package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/digestd/digestd/digest"
)

// SaveResult counts what SavePapers did.
type SaveResult struct {
	New     int // papers seen for the first time
	Updated int // known papers whose stored record changed
}

// SavePapers stores papers from one source in one transaction, merging each
// into the row of its arXiv id: categories, comment and DOI come from arXiv;
// upvotes, organisation, AI summary and links from Hugging Face; the newest
// title and abstract win. A paper's arrival time is set once, when it is first
// seen, so a paper is new for readers exactly once whatever source brings it.
func (s *Store) SavePapers(ctx context.Context, papers []digest.Paper) (SaveResult, error) {
	return s.savePapers(ctx, papers, func(_ digest.Paper, now int64) int64 { return now })
}

// SaveLibraryPapers stores papers fetched by id for readers' libraries,
// merged as SavePapers merges them. Being fetched does not make such a
// paper new: one stored for the first time arrives when it was published
// (now at the latest), so that an old paper never enters a digest's
// window, while a paper of the last days is new like any other.
func (s *Store) SaveLibraryPapers(ctx context.Context, papers []digest.Paper) (SaveResult, error) {
	return s.savePapers(ctx, papers, func(p digest.Paper, now int64) int64 { return min(unix(p.PublishedAt), now) })
}

// savePapers stores papers, a paper seen for the first time with the
// arrival time arrival gives it.
func (s *Store) savePapers(ctx context.Context, papers []digest.Paper, arrival func(p digest.Paper, now int64) int64) (SaveResult, error) {
	var res SaveResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	now := s.now().Unix()
	for _, p := range papers {
		p = p.Capped()
		p.Authors = cleanAuthors(p.Authors)
		old, id, err := paperByArxivID(ctx, tx, p.ID)
		switch {
		case errors.Is(err, digest.ErrNotFound):
			if err := insertPaper(ctx, tx, p, arrival(p, now), now); err != nil {
				return res, fmt.Errorf("paper %s: %w", p.ID, err)
			}
			res.New++
		case err != nil:
			return res, fmt.Errorf("paper %s: %w", p.ID, err)
		default:
			merged := mergePaper(old, p)
			if equalPapers(merged, old) {
				continue
			}
			if err := updatePaper(ctx, tx, id, merged, now); err != nil {
				return res, fmt.Errorf("paper %s: %w", p.ID, err)
			}
			res.Updated++
		}
	}
	return res, tx.Commit()
}

// mergePaper folds the record in into the stored paper old.
func mergePaper(old, in digest.Paper) digest.Paper {
	m := old
	if textTime(in) > textTime(old) || in.Version > old.Version {
		m.Title, m.Abstract = in.Title, in.Abstract
		m.UpdatedAt = in.UpdatedAt
		if len(in.Authors) > 0 {
			m.Authors = in.Authors
		}
	}
	m.Version = max(old.Version, in.Version)
	if m.Abstract == "" {
		m.Abstract = in.Abstract
	}
	if len(m.Authors) == 0 {
		m.Authors = in.Authors
	}
	if in.Source == "arxiv" {
		m.PublishedAt = in.PublishedAt
		m.Categories = in.Categories
		m.Comment, m.DOI, m.JournalRef = in.Comment, in.DOI, in.JournalRef
	} else {
		m.Upvotes = max(old.Upvotes, in.Upvotes)
		if in.FeaturedOn.After(old.FeaturedOn) {
			m.FeaturedOn = in.FeaturedOn
		}
		m.Org = firstNonEmpty(in.Org, old.Org)
		m.AISummary = firstNonEmpty(in.AISummary, old.AISummary)
		if len(in.AIKeywords) > 0 {
			m.AIKeywords = in.AIKeywords
		}
		m.GithubRepo = firstNonEmpty(in.GithubRepo, old.GithubRepo)
		m.ProjectPage = firstNonEmpty(in.ProjectPage, old.ProjectPage)
		if m.PublishedAt.IsZero() {
			m.PublishedAt = in.PublishedAt
		}
	}
	m.Source = mergeSources(old.Source, in.Source)
	return m
}

// textTime dates a record's title and abstract: arXiv's last update, else
// the publication date (Hugging Face copies the text when it features a paper).
func textTime(p digest.Paper) int64 {
	if !p.UpdatedAt.IsZero() {
		return p.UpdatedAt.Unix()
	}
	return unix(p.PublishedAt)
}

func mergeSources(a, b string) string {
	set := strings.FieldsFunc(a+","+b, func(r rune) bool { return r == ',' })
	slices.Sort(set)
	return strings.Join(slices.Compact(set), ",")
}

// cleanAuthors drops author entries without a letter or digit: the sources
// sometimes list stray punctuation (":") as an author.
func cleanAuthors(names []string) []string {
	clean := names[:0:0]
	for _, n := range names {
		if strings.IndexFunc(n, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			clean = append(clean, strings.TrimSpace(n))
		}
	}
	return clean
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// equalPapers compares papers as they would be stored, where a missing list
// and an empty one are both "[]".
func equalPapers(a, b digest.Paper) bool {
	for _, p := range []*digest.Paper{&a, &b} {
		for _, l := range []*[]string{&p.Authors, &p.Categories, &p.AIKeywords} {
			if len(*l) == 0 {
				*l = nil
			}
		}
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

const paperColumns = `id, arxiv_id, version, title, abstract, authors, categories, org, upvotes,
	published_at, text_at, featured_on, ai_summary, ai_keywords, github_repo, project_page,
	comment, doi, journal_ref, sources`

type scanner interface{ Scan(dest ...any) error }

// scanPaper reads the paperColumns of a row, and after them into more.
func scanPaper(row scanner, more ...any) (digest.Paper, int64, error) {
	var (
		p                             digest.Paper
		id                            int64
		authors, categories, keywords string
		published, textAt, featured   int64
	)
	dest := append([]any{&id, &p.ID, &p.Version, &p.Title, &p.Abstract, &authors, &categories, &p.Org,
		&p.Upvotes, &published, &textAt, &featured, &p.AISummary, &keywords, &p.GithubRepo,
		&p.ProjectPage, &p.Comment, &p.DOI, &p.JournalRef, &p.Source}, more...)
	err := row.Scan(dest...)
	if err != nil {
		return p, 0, err
	}
	p.PublishedAt, p.UpdatedAt, p.FeaturedOn = fromUnix(published), fromUnix(textAt), fromUnix(featured)
	for _, f := range []struct {
		src string
		dst *[]string
	}{{authors, &p.Authors}, {categories, &p.Categories}, {keywords, &p.AIKeywords}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return p, 0, fmt.Errorf("paper %s: %w", p.ID, err)
		}
	}
	return p, id, nil
}

func paperByArxivID(ctx context.Context, tx *sql.Tx, arxivID string) (digest.Paper, int64, error) {
	p, id, err := scanPaper(tx.QueryRowContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE arxiv_id = ?`, arxivID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, 0, digest.ErrNotFound
	}
	return p, id, err
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func insertPaper(ctx context.Context, tx *sql.Tx, p digest.Paper, arrived, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO papers (arxiv_id, version, title, abstract, authors,
		categories, org, upvotes, published_at, text_at, featured_on, ai_summary, ai_keywords,
		github_repo, project_page, comment, doi, journal_ref, sources, arrived_at, changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Version, p.Title, p.Abstract, jsonList(p.Authors), jsonList(p.Categories), p.Org,
		p.Upvotes, unix(p.PublishedAt), unix(p.UpdatedAt), unix(p.FeaturedOn), p.AISummary,
		jsonList(p.AIKeywords), p.GithubRepo, p.ProjectPage, p.Comment, p.DOI, p.JournalRef,
		p.Source, arrived, now)
	return err
}

func updatePaper(ctx context.Context, tx *sql.Tx, id int64, p digest.Paper, now int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE papers SET version = ?, title = ?, abstract = ?,
		authors = ?, categories = ?, org = ?, upvotes = ?, published_at = ?, text_at = ?,
		featured_on = ?, ai_summary = ?, ai_keywords = ?, github_repo = ?, project_page = ?,
		comment = ?, doi = ?, journal_ref = ?, sources = ?, changed_at = ? WHERE id = ?`,
		p.Version, p.Title, p.Abstract, jsonList(p.Authors), jsonList(p.Categories), p.Org,
		p.Upvotes, unix(p.PublishedAt), unix(p.UpdatedAt), unix(p.FeaturedOn), p.AISummary,
		jsonList(p.AIKeywords), p.GithubRepo, p.ProjectPage, p.Comment, p.DOI, p.JournalRef,
		p.Source, now, id)
	return err
}

// PapersByID loads the stored papers with the given row ids, keyed by id.
func (s *Store) PapersByID(ctx context.Context, ids []int64) (map[int64]digest.Paper, error) {
	papers := make(map[int64]digest.Paper, len(ids))
	if len(ids) == 0 {
		return papers, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	placeholders := strings.Repeat("?, ", len(ids))
	rows, err := s.db.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE id IN (`+placeholders[:len(placeholders)-2]+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, id, err := scanPaper(rows)
		if err != nil {
			return nil, err
		}
		papers[id] = p
	}
	return papers, rows.Err()
}

// Trending returns the row ids of the most upvoted papers in w not sent to
// the subscriber yet: the digest of a reader without topics.
func (s *Store) Trending(ctx context.Context, w digest.Window) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT p.id FROM papers p
		WHERE p.id > ? AND (? = 0 OR p.id <= ?) AND p.arrived_at > ?
		AND NOT EXISTS (SELECT 1 FROM sent_papers s WHERE s.subscriber_id = ? AND s.paper_id = p.id)
		ORDER BY p.upvotes DESC, p.published_at DESC, p.id LIMIT ?`,
		w.AfterID, w.UntilID, w.UntilID, unix(w.ArrivedAfter), w.ExcludeSentTo, w.Max())
}

// LastPaper returns the row id of the most recently stored paper and the
// latest arrival time; zeros when there are none. Row ids only grow
// (papers are never deleted), so "papers up to id N" is an exact,
// race-free digest window. The two are one paper's but for a library's
// paper stored last, which arrived when it was published.
func (s *Store) LastPaper(ctx context.Context) (int64, time.Time, error) {
	var id, arrived sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM papers), (SELECT max(arrived_at) FROM papers)`).Scan(&id, &arrived)
	return id.Int64, fromUnix(arrived.Int64), err
}

// PaperByArxivID returns the stored paper with the given versionless
// arXiv id; ErrNotFound when there is none.
func (s *Store) PaperByArxivID(ctx context.Context, arxivID string) (digest.Paper, error) {
	p, _, err := scanPaper(s.db.QueryRowContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE arxiv_id = ?`, arxivID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("paper %s: %w", arxivID, digest.ErrNotFound)
	}
	return p, err
}

// Recent returns the papers that arrived after arrivedAfter, up to row id
// untilID (0: the newest), in row id order.
func (s *Store) Recent(ctx context.Context, arrivedAfter time.Time, untilID int64) ([]digest.StoredPaper, error) {
	if untilID == 0 {
		untilID = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+paperColumns+`, arrived_at FROM papers
		WHERE arrived_at > ? AND id <= ? ORDER BY id`, unix(arrivedAfter), untilID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var papers []digest.StoredPaper
	for rows.Next() {
		var (
			sp      digest.StoredPaper
			arrived int64
		)
		sp.Paper, sp.RowID, err = scanPaper(rows, &arrived)
		if err != nil {
			return nil, err
		}
		sp.Arrived = fromUnix(arrived)
		papers = append(papers, sp)
	}
	return papers, rows.Err()
}
