package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/digestd/digestd/digest"
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

// Enqueue stores composed digests as pending and claimed by the lease l,
// with the papers each holds as sent to its reader, in one transaction,
// each digest in a savepoint of its own: from here on a digest is
// delivered at most once and its papers never go into another of the
// reader's digests. It sets the ID of each digest stored. The message is
// not stored: l's holder sends it from memory, and a pass that finds it
// still pending once l has lapsed composes it again from its papers
// (docs/PERFORMANCE.md, item 9). errs says why a digest was not stored:
// ErrDigestExists when its period has a digest already, ErrPapersTaken
// when another of the reader's digests holds one of its papers,
// subscribers.ErrNotFound when the reader was deleted meanwhile. err is
// the transaction's: then none was stored.
func (s *Store) Enqueue(ctx context.Context, l *Lease, outs []*digest.Outgoing) (errs []error, err error) {
	errs = make([]error, len(outs))
	err = s.write(ctx, func(sqlTx *sql.Tx) error {
		now, tx := s.now(), s.stmts.In(sqlTx)
		for i, out := range outs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT digest`); err != nil {
				return err
			}
			// Some errors (a full disk, I/O) end the whole transaction, and
			// the savepoint with it: then the rollback fails, and with it
			// the batch.
			if out.ID, errs[i] = insertDigest(ctx, tx, l.id, out, now); errs[i] != nil {
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

// insertDigest stores one digest in tx, claimed by the lease whose id is
// claim.
func insertDigest(ctx context.Context, tx stmtcache.Tx, claim string, out *digest.Outgoing, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO digests (subscriber_id, period, status, message_id,
		recipient, papers, window_end, created_at, claim) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
		out.SubscriberID, out.Period, out.MessageID, out.Recipient, len(out.PaperIDs), out.WindowEnd, now.Unix(), claim)
	switch {
	case isUniqueViolation(err):
		return 0, digest.ErrDigestExists
	case isForeignKeyViolation(err):
		return 0, fmt.Errorf("subscriber %d: %w", out.SubscriberID, subscribers.ErrNotFound)
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
	// expired or failed digest does not count: the reader never got it,
	// and the papers it released go into the next one.
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
// digest back to the first neither expired nor failed.
const historyQuery = `SELECT j.key,
	EXISTS (SELECT 1 FROM digests WHERE subscriber_id = j.value->>0 AND period = j.value->>1),
	(SELECT window_end FROM digests WHERE subscriber_id = j.value->>0 AND status NOT IN ('expired', 'failed')
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

// ClaimPending claims for the lease l up to limit digests waiting in the
// outbox past afterID, oldest first, and returns them: those no lease
// claims, or whose lease has lapsed (their holder died or let go), and
// that may go now (retry_ms). Message is the body stored with the digest
// when one was (older versions stored it), nil otherwise: such a digest
// is composed again to be sent.
func (s *Store) ClaimPending(ctx context.Context, l *Lease, afterID int64, limit int) ([]*digest.Outgoing, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		_, err := tx.ExecContext(ctx, `UPDATE digests SET claim = ?1 WHERE id IN (SELECT id FROM digests
			WHERE status = 'pending' AND id > ?2 AND retry_ms <= ?3 AND (claim = '' OR claim NOT IN
			(SELECT id FROM leases WHERE expires_ms > ?3)) ORDER BY id LIMIT ?4)`,
			l.id, afterID, now.UnixMilli(), limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, subscriber_id, recipient, message_id, message, attempts,
		period, created_at FROM digests WHERE status = 'pending' AND claim = ? AND id > ? ORDER BY id LIMIT ?`,
		l.id, afterID, limit)
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
func (s *Store) RecordDeferred(ctx context.Context, l *Lease, id int64, cause error) error {
	return s.recordAttempt(ctx, l, id, outboxPending, cause, false)
}

// RecordFailed records that the relay refused a digest for good because
// of its address: its papers stay sent, as the reader cannot get them.
func (s *Store) RecordFailed(ctx context.Context, l *Lease, id int64, cause error) error {
	return s.recordAttempt(ctx, l, id, outboxFailed, cause, false)
}

// RecordFailedContent records that the relay refused a digest for good
// because of the message itself (a 5xx to its data, not to the address):
// the digest fails, and its papers are released to go into the reader's
// next digest.
func (s *Store) RecordFailedContent(ctx context.Context, l *Lease, id int64, cause error) error {
	return s.recordAttempt(ctx, l, id, outboxFailed, cause, true)
}

// recordAttempt records a failed delivery attempt of a digest pending and
// claimed by l, which takes status; with release, the digest's papers go
// back to the reader. A digest no longer pending (recorded sent from the
// sent log meanwhile, or expired), or no longer l's (l lapsed, and another
// holder took it), keeps its status.
func (s *Store) recordAttempt(ctx context.Context, l *Lease, id int64, status string, cause error, release bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE digests SET status = ?, attempts = attempts + 1,
			last_error = ? WHERE id = ? AND status = 'pending' AND claim = ?`, status, cause.Error(), id, l.id)
		if err != nil || !release {
			return err
		}
		return releasePapers(ctx, tx, res, id)
	})
}

// releasePapers lets the papers of digest id go into its reader's next
// digest, when res, the update that gave up on it, changed its row.
func releasePapers(ctx context.Context, tx *sql.Tx, res sql.Result, id int64) error {
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sent_papers
		WHERE subscriber_id = (SELECT subscriber_id FROM digests WHERE id = ?1) AND digest_id = ?1`, id)
	return err
}

// RecordMaybeDelivered records an attempt that ended after the final dot
// of DATA without the relay's answer: the relay may have the message. The
// first such digest stays pending, to be sent once more no sooner than
// after; the second time it is recorded sent (final): its papers stay
// sent and it never goes again. A digest no longer pending and l's changes
// nothing.
func (s *Store) RecordMaybeDelivered(ctx context.Context, l *Lease, id int64, cause error, after time.Duration) (final bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var status string
		err := tx.QueryRowContext(ctx, `UPDATE digests SET attempts = attempts + 1,
			maybe_delivered = maybe_delivered + 1, last_error = ?1,
			status = iif(maybe_delivered > 0, 'sent', 'pending'),
			sent_at = iif(maybe_delivered > 0, ?2, sent_at),
			message = iif(maybe_delivered > 0, NULL, message), retry_ms = ?3
			WHERE id = ?4 AND status = 'pending' AND claim = ?5 RETURNING status`,
			"maybe delivered: "+cause.Error(), now.Unix(), now.Add(after).UnixMilli(), id, l.id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		final = status == outboxSent
		return err
	})
	return final, err
}

// Expire gives up on a pending digest l claims: its body is dropped,
// reason kept as its last error, and its papers released to go into the
// reader's next digest. A digest no longer pending — another process
// sent it, its send still in the sent log, which this write applies
// first — keeps its status and its papers.
func (s *Store) Expire(ctx context.Context, l *Lease, id int64, reason string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE digests SET status = 'expired', message = NULL,
			last_error = ? || iif(last_error = '', '', ' (last error: ' || last_error || ')')
			WHERE id = ? AND status = 'pending' AND claim = ?`, reason, id, l.id)
		if err != nil {
			return err
		}
		return releasePapers(ctx, tx, res, id)
	})
}

// MaybeDelivered counts the digests whose delivery ended unanswered after
// the final dot: waiting to be sent once more, and not to be sent again.
func (s *Store) MaybeDelivered(ctx context.Context) (waiting, final int, err error) {
	if err := s.Settle(ctx); err != nil {
		return 0, 0, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'),
		count(*) FILTER (WHERE status = 'sent' AND maybe_delivered > 1)
		FROM digests WHERE maybe_delivered > 0`).Scan(&waiting, &final)
	return waiting, final, err
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
