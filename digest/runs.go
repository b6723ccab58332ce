package digest

import (
	"context"
	"time"
)

// Run is one recorded fetch or delivery pass.
type Run struct {
	ID         int64
	Kind       string // "fetch" or "deliver"
	StartedAt  time.Time
	FinishedAt time.Time // zero while running, or when the process died mid-run
	Fetched    int       // papers new or changed (fetch)
	Due        int       // digests built (deliver)
	Sent       int
	Failed     int
	Error      string // the first error, if any
}

func (s *Store) startRun(ctx context.Context, kind string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs (kind, started_at) VALUES (?, ?)`, kind, s.now().Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// finishRun records a run's outcome. It runs on a fresh context so a pass
// cut short by SIGTERM still leaves its record.
func (s *Store) finishRun(r Run) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET finished_at = ?, fetched = ?, due = ?, sent = ?,
		failed = ?, error = ? WHERE id = ?`,
		s.now().Unix(), r.Fetched, r.Due, r.Sent, r.Failed, r.Error, r.ID)
	return err
}

// Runs returns the most recent runs, newest first.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, started_at, finished_at, fetched, due, sent,
		failed, error FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var (
			r                 Run
			started, finished int64
		)
		if err := rows.Scan(&r.ID, &r.Kind, &started, &finished, &r.Fetched, &r.Due, &r.Sent, &r.Failed, &r.Error); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
		runs = append(runs, r)
	}
	return runs, rows.Err()
}
