package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/digestd/digestd/digest"
)

// StoredModel is a reader's ranking model as stored: the taste it was
// trained on (a signature the trainer makes) and its bytes.
type StoredModel struct {
	Taste string
	Model []byte
}

// SaveModel stores the subscriber's model, replacing the one before.
func (s *Store) SaveModel(ctx context.Context, subscriberID int64, m StoredModel) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO models (subscriber_id, taste, model, trained_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (subscriber_id) DO UPDATE SET taste = excluded.taste, model = excluded.model,
		trained_at = excluded.trained_at`, subscriberID, m.Taste, m.Model, s.now().Unix())
	if err != nil {
		return fmt.Errorf("model of subscriber %d: %w", subscriberID, err)
	}
	return nil
}

// DeleteModel drops the subscriber's model.
func (s *Store) DeleteModel(ctx context.Context, subscriberID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM models WHERE subscriber_id = ?`, subscriberID)
	return err
}

// modelsQuery reads the models of readers given as a JSON array of
// subscriber ids: a seek of the table's key each.
const modelsQuery = `SELECT j.key, m.taste, m.model FROM json_each(?) j JOIN models m ON m.subscriber_id = j.value`

// Models reads the models of many readers in one query; a reader without
// one has the zero StoredModel.
func (s *Store) Models(ctx context.Context, subscriberIDs []int64) ([]StoredModel, error) {
	rows, err := s.stmts.QueryJSON(ctx, modelsQuery, subscriberIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ms := make([]StoredModel, len(subscriberIDs))
	for rows.Next() {
		var i int
		var m StoredModel
		if err := rows.Scan(&i, &m.Taste, &m.Model); err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, rows.Err()
}

// PapersByArxivID loads the stored papers with the given versionless
// arXiv ids, keyed by arXiv id; ids not stored are absent.
func (s *Store) PapersByArxivID(ctx context.Context, ids []string) (map[string]digest.Paper, error) {
	papers := make(map[string]digest.Paper, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		placeholders := strings.Repeat("?, ", len(chunk))
		rows, err := s.db.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE arxiv_id IN (`+
			placeholders[:len(placeholders)-2]+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, _, err := scanPaper(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			papers[p.ID] = p
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return papers, nil
}

// RecentlySent returns up to limit papers sent to the subscriber, the
// latest first.
func (s *Store) RecentlySent(ctx context.Context, subscriberID int64, limit int) ([]digest.Paper, error) {
	return s.queryPapers(ctx, `SELECT `+prefixed("p.", paperColumns)+` FROM sent_papers sp
		JOIN papers p ON p.id = sp.paper_id WHERE sp.subscriber_id = ? ORDER BY sp.paper_id DESC LIMIT ?`,
		subscriberID, limit)
}

// Latest returns the n papers stored last, the latest first.
func (s *Store) Latest(ctx context.Context, n int) ([]digest.Paper, error) {
	return s.queryPapers(ctx, `SELECT `+paperColumns+` FROM papers ORDER BY id DESC LIMIT ?`, n)
}

// queryPapers runs a query whose rows are paperColumns and reads them.
func (s *Store) queryPapers(ctx context.Context, query string, args ...any) ([]digest.Paper, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var papers []digest.Paper
	for rows.Next() {
		p, _, err := scanPaper(rows)
		if err != nil {
			return nil, err
		}
		papers = append(papers, p)
	}
	return papers, rows.Err()
}

// prefixed puts prefix before each of a list of columns.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
