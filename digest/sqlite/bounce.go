package sqlite

import (
	"context"

	"github.com/digestd/digestd/internal/stmtcache"
)

// RecordHardBounce counts a permanent refusal of the subscriber's address
// and returns how many there have been since their last delivery.
func (s *Store) RecordHardBounce(ctx context.Context, subscriberID int64) (int, error) {
	var n int
	err := s.write(ctx, func(tx stmtcache.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, hard) VALUES (?, 1)
			ON CONFLICT (subscriber_id) DO UPDATE SET hard = hard + 1 RETURNING hard`, subscriberID).Scan(&n)
	})
	return n, err
}

// RecordSoftFailure notes that the subscriber's digest for period met only
// temporary refusals in a pass, and returns in how many periods since their
// last delivery that happened: several passes of one night count once.
func (s *Store) RecordSoftFailure(ctx context.Context, subscriberID int64, period string) (int, error) {
	var n int
	err := s.write(ctx, func(tx stmtcache.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, soft_nights, last_soft)
			VALUES (?, 1, ?) ON CONFLICT (subscriber_id) DO UPDATE SET
			soft_nights = soft_nights + (last_soft != excluded.last_soft), last_soft = excluded.last_soft
			RETURNING soft_nights`, subscriberID, period).Scan(&n)
	})
	return n, err
}
