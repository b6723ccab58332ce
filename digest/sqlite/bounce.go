package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/digestd/digestd/subscribers"
)

// RecordHardBounce counts a permanent refusal of the subscriber's address
// and returns how many there have been since their last delivery;
// subscribers.ErrNotFound when the subscriber was deleted meanwhile.
func (s *Store) RecordHardBounce(ctx context.Context, subscriberID int64) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, hard) VALUES (?, 1)
			ON CONFLICT (subscriber_id) DO UPDATE SET hard = hard + 1 RETURNING hard`, subscriberID).Scan(&n)
	})
	return n, readerGone(err, subscriberID)
}

// RecordSoftFailure notes that the subscriber's digest for period met only
// temporary refusals in a pass, and returns in how many periods since their
// last delivery that happened: several passes of one night count once.
// subscribers.ErrNotFound means the subscriber was deleted meanwhile.
func (s *Store) RecordSoftFailure(ctx context.Context, subscriberID int64, period string) (int, error) {
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, soft_nights, last_soft)
			VALUES (?, 1, ?) ON CONFLICT (subscriber_id) DO UPDATE SET
			soft_nights = soft_nights + (last_soft != excluded.last_soft), last_soft = excluded.last_soft
			RETURNING soft_nights`, subscriberID, period).Scan(&n)
	})
	return n, readerGone(err, subscriberID)
}

// readerGone turns the foreign key failure of a row for a deleted reader
// into subscribers.ErrNotFound.
func readerGone(err error, subscriberID int64) error {
	if isForeignKeyViolation(err) {
		return fmt.Errorf("subscriber %d: %w", subscriberID, subscribers.ErrNotFound)
	}
	return err
}
