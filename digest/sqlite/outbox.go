package sqlite

import (
	"github.com/digestd/digestd/digest"

	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/digestd/digestd/internal/stmtcache"
	"github.com/digestd/digestd/subscribers"
)

// Outbox statuses of a digest.
const (
	outboxPending = "pending" // built and stored, not yet accepted by the relay
	outboxSent    = "sent"    // accepted by the relay
	outboxFailed  = "failed"  // refused for good (hard bounce)
	outboxExpired = "expired" // its period ended before the relay took it
)

// Enqueue stores composed digests as pending, with the papers each holds
// as sent to its reader, in one transaction, each digest in a savepoint
// of its own: from here on a digest is delivered at most once and its
// papers never go into another of the reader's digests. It sets the ID of
// each digest stored. The message is not stored: a pass sends it from
// memory, and one that finds it still pending composes it again from its
// papers (docs/PERFORMANCE.md, item 9). errs says why a digest was not
// stored: ErrDigestExists when its period has a digest already,
// ErrPapersTaken when another of the reader's digests holds one of its
// papers. err is the transaction's: then none was stored.
func (s *Store) Enqueue(ctx context.Context, outs []*digest.Outgoing) (errs []error, err error) {
	errs = make([]error, len(outs))
	err = s.write(ctx, func(tx stmtcache.Tx) error {
		now := s.now()
		for i, out := range outs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT digest`); err != nil {
				return err
			}
			// Some errors (a full disk, I/O) end the whole transaction, and
			// the savepoint with it: then the rollback fails, and with it
			// the batch.
			if out.ID, errs[i] = insertDigest(ctx, tx, out, now); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO digest`); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE digest`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, out := range outs {
			out.ID = 0
		}
	}
	return errs, err
}

// insertDigest stores one digest in tx.
func insertDigest(ctx context.Context, tx stmtcache.Tx, out *digest.Outgoing, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO digests (subscriber_id, period, status, message_id,
		recipient, papers, window_end, created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)`,
		out.SubscriberID, out.Period, out.MessageID, out.Recipient, len(out.PaperIDs), out.WindowEnd, now.Unix())
	if isUniqueViolation(err) {
		return 0, digest.ErrDigestExists
	}
	if err != nil {
		return 0, fmt.Errorf("digest %s for subscriber %d: %w", out.Period, out.SubscriberID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	papers, err := json.Marshal(out.PaperIDs)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sent_papers (subscriber_id, paper_id, digest_id)
		SELECT ?, value, ? FROM json_each(?)`, out.SubscriberID, id, string(papers))
	if isUniqueViolation(err) {
		return 0, digest.ErrPapersTaken
	}
	if err != nil {
		return 0, fmt.Errorf("digest %s for subscriber %d: papers %s: %w", out.Period, out.SubscriberID, papers, err)
	}
	return id, nil
}

// History is what a reader's earlier digests tell their next one.
type History struct {
	// Done: they have a digest for the period due already.
	Done bool
	// WindowStart is where their next digest starts: the end of their
	// previous digest's window; Seen is false when they never had one. An
	// expired digest does not count: its papers go into the next one.
	WindowStart int64
	Seen        bool
}

// Due names a reader's digest due: the reader and the period.
type Due struct {
	SubscriberID int64
	Period       string
}

// historyQuery reads the histories of readers given as a JSON array of
// [subscriber id, period due] pairs: for each, one seek in the index of
// (subscriber_id, period) and one in digests_window, from the latest
// digest back to the first not expired.
const historyQuery = `SELECT j.key,
	EXISTS (SELECT 1 FROM digests WHERE subscriber_id = j.value->>0 AND period = j.value->>1),
	(SELECT window_end FROM digests WHERE subscriber_id = j.value->>0 AND status != 'expired'
		ORDER BY window_end DESC LIMIT 1)
	FROM json_each(?) j`

// Histories reads the histories of many readers in one query, in order.
func (s *Store) Histories(ctx context.Context, readers []Due) ([]History, error) {
	pairs := make([][2]any, len(readers))
	for i, r := range readers {
		pairs[i] = [2]any{r.SubscriberID, r.Period}
	}
	rows, err := s.stmts.QueryJSON(ctx, historyQuery, pairs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hs := make([]History, len(readers))
	for rows.Next() {
		var (
			i   int
			h   History
			end sql.NullInt64
		)
		if err := rows.Scan(&i, &h.Done, &end); err != nil {
			return nil, err
		}
		h.WindowStart, h.Seen = end.Int64, end.Valid
		hs[i] = h
	}
	return hs, rows.Err()
}

// Pending returns up to limit digests waiting in the outbox, oldest first,
// starting after the given id. Message is the body stored with the digest
// when one was (older versions stored it), nil otherwise: such a digest is
// composed again to be sent.
func (s *Store) Pending(ctx context.Context, afterID int64, limit int) ([]*digest.Outgoing, error) {
	if err := s.Settle(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, subscriber_id, recipient, message_id, message, attempts,
		period, created_at FROM digests WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*digest.Outgoing
	for rows.Next() {
		var (
			o       digest.Outgoing
			created int64
		)
		if err := rows.Scan(&o.ID, &o.SubscriberID, &o.Recipient, &o.MessageID, &o.Message, &o.Attempts,
			&o.Period, &created); err != nil {
			return nil, err
		}
		o.Created = fromUnix(created)
		out = append(out, &o)
	}
	return out, rows.Err()
}

// RecordSent records that the relay accepted a digest, in the sent log: the
// next write of the Store's records it sent in the outbox, drops any body
// stored with it (the papers it held are in sent_papers, and the copy
// would only grow the file), and forgets the failures of its reader's
// address (applySent).
func (s *Store) RecordSent(ctx context.Context, out *digest.Outgoing) error {
	return s.sent.add(ctx, sentEntry{DigestID: out.ID, SubscriberID: out.SubscriberID, Period: out.Period,
		At: s.now().Unix()})
}

// RecordDeferred records a delivery attempt that failed for now: the
// digest stays pending for a later try.
func (s *Store) RecordDeferred(ctx context.Context, id int64, cause error) error {
	return s.recordAttempt(ctx, id, outboxPending, cause)
}

// RecordFailed records that the relay refused a digest for good.
func (s *Store) RecordFailed(ctx context.Context, id int64, cause error) error {
	return s.recordAttempt(ctx, id, outboxFailed, cause)
}

// recordAttempt records a failed delivery attempt of a pending digest, which
// takes status. A digest no longer pending (sent by another process
// meanwhile, or expired) keeps its status.
func (s *Store) recordAttempt(ctx context.Context, id int64, status string, cause error) error {
	return s.write(ctx, func(tx stmtcache.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE digests SET status = ?, attempts = attempts + 1,
			last_error = ? WHERE id = ? AND status = 'pending'`, status, cause.Error(), id)
		return err
	})
}

// Expire gives up on a pending digest: its body is dropped, reason kept as
// its last error, and its papers released to go into the reader's next
// digest.
func (s *Store) Expire(ctx context.Context, id int64, reason string) error {
	return s.write(ctx, func(tx stmtcache.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE digests SET status = 'expired', message = NULL,
			last_error = ? || iif(last_error = '', '', ' (last error: ' || last_error || ')')
			WHERE id = ? AND status = 'pending'`, reason, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sent_papers
			WHERE subscriber_id = (SELECT subscriber_id FROM digests WHERE id = ?1) AND digest_id = ?1`, id)
		return err
	})
}

// SentWithin counts the digests the relay accepted in the last d.
func (s *Store) SentWithin(ctx context.Context, d time.Duration) (int, error) {
	t := s.now().Add(-d)
	if err := s.Settle(ctx); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM digests WHERE status = 'sent' AND sent_at >= ?`,
		t.Unix()).Scan(&n)
	return n, err
}

// sentAfterQuery reads the papers sent to readers given as a JSON array
// of [subscriber id, paper id] pairs, past that paper: a search of the
// primary key of sent_papers each.
const sentAfterQuery = `SELECT j.key, s.paper_id FROM json_each(?) j
	JOIN sent_papers s ON s.subscriber_id = j.value->>0 AND s.paper_id > j.value->>1`

// SentAfter reads, for each reader, the papers already sent to them past
// a paper (the start of their next digest): those their digest must
// leave out. after holds a paper row id for each subscriber.
func (s *Store) SentAfter(ctx context.Context, subscriberIDs, after []int64) ([]map[int64]bool, error) {
	pairs := make([][2]int64, len(subscriberIDs))
	for i, id := range subscriberIDs {
		pairs[i] = [2]int64{id, after[i]}
	}
	rows, err := s.stmts.QueryJSON(ctx, sentAfterQuery, pairs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sent := make([]map[int64]bool, len(subscriberIDs))
	for rows.Next() {
		var i int
		var id int64
		if err := rows.Scan(&i, &id); err != nil {
			return nil, err
		}
		if sent[i] == nil {
			sent[i] = map[int64]bool{}
		}
		sent[i][id] = true
	}
	return sent, rows.Err()
}

// CountNowDigests counts the send-now digests of a subscriber in a period.
func (s *Store) CountNowDigests(ctx context.Context, subscriberID int64, period string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND period LIKE ?`,
		subscriberID, period+digest.NowPeriodMark+"%").Scan(&n)
	return n, err
}

// SentDigest returns the id and build time of sub's sent digest of period.
func (s *Store) SentDigest(ctx context.Context, subscriberID int64, period string) (int64, time.Time, error) {
	if err := s.Settle(ctx); err != nil {
		return 0, time.Time{}, err
	}
	var id, created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, created_at FROM digests
		WHERE subscriber_id = ? AND period = ? AND status = 'sent'`, subscriberID, period).Scan(&id, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, fmt.Errorf("digest %s: %w", period, subscribers.ErrNotFound)
	}
	return id, fromUnix(created), err
}

// DigestPapers returns the row ids of the papers a digest held, in id order.
func (s *Store) DigestPapers(ctx context.Context, subscriberID, digestID int64) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT paper_id FROM sent_papers
		WHERE subscriber_id = ? AND digest_id = ? ORDER BY paper_id`, subscriberID, digestID)
}

// ExportDigests lists the digests made for a subscriber, oldest first,
// for their data export.
func (s *Store) ExportDigests(ctx context.Context, subscriberID int64) ([]subscribers.ExportDigest, error) {
	if err := s.Settle(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT period, status, papers, sent_at FROM digests
		WHERE subscriber_id = ? ORDER BY id`, subscriberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ds := []subscribers.ExportDigest{}
	for rows.Next() {
		var d subscribers.ExportDigest
		var sent int64
		if err := rows.Scan(&d.Period, &d.Status, &d.Papers, &sent); err != nil {
			return nil, err
		}
		d.SentAt = fromUnix(sent)
		ds = append(ds, d)
	}
	return ds, rows.Err()
}
