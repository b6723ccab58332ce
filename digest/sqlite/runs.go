package sqlite

import (
	"context"
	"time"

	"github.com/digestd/digestd/digest"
)

// StartRun records the start of a run of kind (RunFetch or RunDeliver)
// and returns its id.
func (s *Store) StartRun(ctx context.Context, kind string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs (kind, started_at) VALUES (?, ?)`, kind, s.now().Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// FinishRun records a run's outcome. It runs on a fresh context so a pass
// cut short by SIGTERM still leaves its record.
func (s *Store) FinishRun(r digest.Run) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET finished_at = ?, fetched = ?, due = ?, sent = ?,
		failed = ?, maybe_delivered = ?, error = ? WHERE id = ?`,
		s.now().Unix(), r.Fetched, r.Built, r.Sent, r.Failed, r.MaybeDelivered, r.Error, r.ID)
	return err
}

// Runs returns the most recent runs, newest first.
func (s *Store) Runs(ctx context.Context, limit int) ([]digest.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, started_at, finished_at, fetched, due, sent,
		failed, maybe_delivered, error FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []digest.Run
	for rows.Next() {
		var (
			r                 digest.Run
			started, finished int64
		)
		if err := rows.Scan(&r.ID, &r.Kind, &started, &finished, &r.Fetched, &r.Built, &r.Sent, &r.Failed, &r.MaybeDelivered, &r.Error); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
		runs = append(runs, r)
	}
	return runs, rows.Err()
}
