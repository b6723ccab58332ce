package subscribers

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Vote is a reader's "more like this" (Up) or "fewer like this" on a
// paper; the last one on a paper counts.
type Vote struct {
	ArxivID string
	Up      bool
	At      time.Time
}

// Vote records the subscriber's vote on a paper, replacing an earlier one.
func (s *Store) Vote(ctx context.Context, subscriberID int64, arxivID string, up bool) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO votes (subscriber_id, arxiv_id, up, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (subscriber_id, arxiv_id) DO UPDATE SET up = excluded.up, at = excluded.at`,
		subscriberID, arxivID, up, s.now().Unix())
	if err != nil {
		return fmt.Errorf("vote of subscriber %d on %s: %w", subscriberID, arxivID, err)
	}
	return nil
}

// Unvote takes the subscriber's vote on a paper back.
func (s *Store) Unvote(ctx context.Context, subscriberID int64, arxivID string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM votes WHERE subscriber_id = ? AND arxiv_id = ?`, subscriberID, arxivID)
	return err
}

// Votes returns the subscriber's votes, oldest first.
func (s *Store) Votes(ctx context.Context, subscriberID int64) ([]Vote, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT arxiv_id, up, at FROM votes WHERE subscriber_id = ?
		ORDER BY at, arxiv_id`, subscriberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var votes []Vote
	for rows.Next() {
		var v Vote
		var at int64
		if err := rows.Scan(&v.ArxivID, &v.Up, &at); err != nil {
			return nil, err
		}
		v.At = time.Unix(at, 0).UTC()
		votes = append(votes, v)
	}
	return votes, rows.Err()
}

// Forget drops what the subscriber taught their digest — votes and
// library — in one transaction: the reset of the manage page.
func (s *Store) Forget(ctx context.Context, subscriberID int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM votes WHERE subscriber_id = ?`, `DELETE FROM library WHERE subscriber_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, subscriberID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Taste is how much a reader taught their digest, and when they last
// changed it: a model trained on a Taste is stale once it differs.
type Taste struct {
	Votes, Library int
	Changed        int64 // Unix seconds of the last vote or library addition
}

// Empty reports whether the reader taught nothing.
func (t Taste) Empty() bool { return t.Votes == 0 && t.Library == 0 }

// tastesQuery reads the tastes of readers given as a JSON array of
// subscriber ids: a search of each table's key each.
const tastesQuery = `SELECT j.key,
	(SELECT count(*) FROM votes WHERE subscriber_id = j.value),
	(SELECT coalesce(max(at), 0) FROM votes WHERE subscriber_id = j.value),
	(SELECT count(*) FROM library WHERE subscriber_id = j.value),
	(SELECT coalesce(max(added_at), 0) FROM library WHERE subscriber_id = j.value)
	FROM json_each(?) j`

// Tastes reads the tastes of many readers in one query, in order.
func (s *Store) Tastes(ctx context.Context, subscriberIDs []int64) ([]Taste, error) {
	rows, err := s.stmts.QueryJSON(ctx, tastesQuery, subscriberIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ts := make([]Taste, len(subscriberIDs))
	for rows.Next() {
		var (
			i            int
			t            Taste
			voted, added sql.NullInt64
		)
		if err := rows.Scan(&i, &t.Votes, &voted, &t.Library, &added); err != nil {
			return nil, err
		}
		t.Changed = max(voted.Int64, added.Int64)
		ts[i] = t
	}
	return ts, rows.Err()
}
