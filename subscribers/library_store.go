package subscribers

import (
	"context"
	"fmt"
	"strings"

	"github.com/digestd/digestd/subscribers/library"
)

// LibraryPaper is a paper of a reader's library: its arXiv id, or its DOI
// when it has none.
type LibraryPaper struct {
	ArxivID, DOI, Title string
}

// ref is how the library table names a paper: the arXiv id, or "doi:"
// and the DOI.
func (p LibraryPaper) ref() string {
	if p.ArxivID != "" {
		return p.ArxivID
	}
	return "doi:" + p.DOI
}

// AddLibrary adds a library's papers to the subscriber's, in one
// transaction, and returns how many were new to it.
func (s *Store) AddLibrary(ctx context.Context, subscriberID int64, refs []library.Ref) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := s.now().Unix()
	added := 0
	for _, r := range refs {
		p := LibraryPaper{ArxivID: r.ArxivID, DOI: r.DOI, Title: r.Title}
		res, err := tx.ExecContext(ctx, `INSERT INTO library (subscriber_id, ref, title, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, subscriberID, p.ref(), p.Title, now)
		if err != nil {
			return 0, fmt.Errorf("library of subscriber %d: line %d: %w", subscriberID, r.Line, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, tx.Commit()
}

// Library returns the papers of the subscriber's library, in the order
// they were added.
func (s *Store) Library(ctx context.Context, subscriberID int64) ([]LibraryPaper, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ref, title FROM library WHERE subscriber_id = ? ORDER BY added_at, ref`, subscriberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var papers []LibraryPaper
	for rows.Next() {
		var ref string
		var p LibraryPaper
		if err := rows.Scan(&ref, &p.Title); err != nil {
			return nil, err
		}
		if doi, ok := strings.CutPrefix(ref, "doi:"); ok {
			p.DOI = doi
		} else {
			p.ArxivID = ref
		}
		papers = append(papers, p)
	}
	return papers, rows.Err()
}
