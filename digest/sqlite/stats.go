package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/digestd/digestd/digest"
)

// LastRun returns the newest run of kind (RunFetch or RunDeliver), finished
// or not; ErrNotFound when there has been none.
func (s *Store) LastRun(ctx context.Context, kind string) (digest.Run, error) {
	var (
		r                 digest.Run
		started, finished int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, kind, started_at, finished_at, fetched, due, sent,
		failed, maybe_delivered, error FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1`, kind).
		Scan(&r.ID, &r.Kind, &started, &finished, &r.Fetched, &r.Built, &r.Sent, &r.Failed, &r.MaybeDelivered, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return r, digest.ErrNotFound
	}
	r.StartedAt, r.FinishedAt = fromUnix(started), fromUnix(finished)
	return r, err
}

// LastSuccess returns when the newest run of kind that finished without an
// error ended; the zero time when none has.
func (s *Store) LastSuccess(ctx context.Context, kind string) (time.Time, error) {
	var finished int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(finished_at), 0) FROM runs
		WHERE kind = ? AND finished_at > 0 AND error = ''`, kind).Scan(&finished)
	return fromUnix(finished), err
}

// OutboxDepth returns how many built digests wait in the outbox for the
// relay to accept them.
func (s *Store) OutboxDepth(ctx context.Context) (int, error) {
	if err := s.Settle(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM digests WHERE status = 'pending'`).Scan(&n)
	return n, err
}
