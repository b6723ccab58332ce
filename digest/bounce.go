package digest

import (
	"context"

	"github.com/digestd/digestd/internal/stmtcache"
)

// softBounceNights is how many periods in a row a reader's digest may meet
// only temporary refusals (mailbox full, greylisting that never lifts)
// before the address counts as bounced, like one hard refusal would.
const softBounceNights = 3

// recordHardBounce counts a permanent refusal of the subscriber's address
// and returns how many there have been since their last delivery.
func (s *Store) recordHardBounce(ctx context.Context, subscriberID int64) (int, error) {
	var n int
	err := s.write(ctx, func(tx stmtcache.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, hard) VALUES (?, 1)
			ON CONFLICT (subscriber_id) DO UPDATE SET hard = hard + 1 RETURNING hard`, subscriberID).Scan(&n)
	})
	return n, err
}

// recordSoftFailure notes that the subscriber's digest for period met only
// temporary refusals in a pass, and returns in how many periods since their
// last delivery that happened: several passes of one night count once.
func (s *Store) recordSoftFailure(ctx context.Context, subscriberID int64, period string) (int, error) {
	var n int
	err := s.write(ctx, func(tx stmtcache.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO delivery_failures (subscriber_id, soft_nights, last_soft)
			VALUES (?, 1, ?) ON CONFLICT (subscriber_id) DO UPDATE SET
			soft_nights = soft_nights + (last_soft != excluded.last_soft), last_soft = excluded.last_soft
			RETURNING soft_nights`, subscriberID, period).Scan(&n)
	})
	return n, err
}
