package digest

import (
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

// Outgoing is a digest waiting in the outbox.
type Outgoing struct {
	ID           int64
	SubscriberID int64
	Recipient    string
	MessageID    string
	Message      []byte
	Attempts     int
	Period       string
	Created      time.Time
}

// toStore is a built digest to store: the digest, the manage token its
// links carry, its Message-ID and its papers.
type toStore struct {
	d         *Digest
	token     string
	messageID string
	paperIDs  []int64
}

// enqueue stores built digests as pending — the papers each holds, as sent
// to its reader, and the manage token its links carry — in one transaction,
// each digest in a savepoint of its own: from here on a digest is
// delivered at most once and its papers never go into another of the
// reader's digests. Its composed message is not stored: the pass sends it
// from memory, and a pass that finds it still pending composes it again
// from its papers (see Runner.recompose). Storing ~50 KB a digest, only to
// drop it once sent, was nearly a fifth of a pass's time
// (docs/PERFORMANCE.md). It returns each digest's row id, or why it was
// not stored: ErrDigestExists when its period has a digest already,
// errPapersTaken when another of the reader's digests holds one of its
// papers. err is the transaction's: then none was stored.
func (s *Store) enqueue(ctx context.Context, ds []toStore) (ids []int64, errs []error, err error) {
	ids, errs = make([]int64, len(ds)), make([]error, len(ds))
	err = s.write(ctx, func(tx stmtcache.Tx) error {
		now := s.now()
		for i, d := range ds {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT digest`); err != nil {
				return err
			}
			// Some errors (a full disk, I/O) end the whole transaction, and
			// the savepoint with it: then the rollback fails, and with it
			// the batch.
			if ids[i], errs[i] = insertDigest(ctx, tx, d, now); errs[i] != nil {
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
	return ids, errs, err
}

// insertDigest stores one digest in tx.
func insertDigest(ctx context.Context, tx stmtcache.Tx, q toStore, now time.Time) (int64, error) {
	d := q.d
	res, err := tx.ExecContext(ctx, `INSERT INTO digests (subscriber_id, period, status, message_id,
		recipient, papers, window_end, created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)`,
		d.SubscriberID, d.Period, q.messageID, d.To, len(q.paperIDs), d.WindowEnd, now.Unix())
	if isUniqueViolation(err) {
		return 0, ErrDigestExists
	}
	if err != nil {
		return 0, fmt.Errorf("digest %s for subscriber %d: %w", d.Period, d.SubscriberID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if err := subscribers.SaveToken(ctx, tx, q.token, d.SubscriberID, subscribers.TokenManage, now); err != nil {
		return 0, err
	}
	papers, err := json.Marshal(q.paperIDs)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sent_papers (subscriber_id, paper_id, digest_id)
		SELECT ?, value, ? FROM json_each(?)`, d.SubscriberID, id, string(papers))
	if isUniqueViolation(err) {
		return 0, errPapersTaken
	}
	if err != nil {
		return 0, fmt.Errorf("digest %s for subscriber %d: papers %s: %w", d.Period, d.SubscriberID, papers, err)
	}
	return id, nil
}

// saveToken stores a manage token minted for a digest composed again.
func (s *Store) saveToken(ctx context.Context, token string, subscriberID int64) error {
	return s.write(ctx, func(tx stmtcache.Tx) error {
		return subscribers.SaveToken(ctx, tx, token, subscriberID, subscribers.TokenManage, s.now())
	})
}

// ErrDigestExists means the subscriber already has a digest for the period.
var ErrDigestExists = errors.New("digest for this period exists")

// errPapersTaken means a digest of the reader's stored since this one was
// built holds some of its papers: two passes built for the reader at once
// (`serve`'s, for the period whose hour has come, and `run --now`, for
// today's), and the other stored first.
var errPapersTaken = errors.New("another digest took some of its papers")

// history is what a reader's earlier digests tell their next one.
type history struct {
	// done: they have a digest for the period due already.
	done bool
	// windowStart is where their next digest starts: the end of their
	// previous digest's window; seen is false when they never had one. An
	// expired digest does not count: its papers go into the next one.
	windowStart int64
	seen        bool
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

// histories reads the histories of many readers in one query, in order.
func (s *Store) histories(ctx context.Context, readers []dueReader) ([]history, error) {
	pairs := make([][2]any, len(readers))
	for i, r := range readers {
		pairs[i] = [2]any{r.sub.ID, r.period}
	}
	rows, err := s.stmts.QueryJSON(ctx, historyQuery, pairs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hs := make([]history, len(readers))
	for rows.Next() {
		var (
			i   int
			h   history
			end sql.NullInt64
		)
		if err := rows.Scan(&i, &h.done, &end); err != nil {
			return nil, err
		}
		h.windowStart, h.seen = end.Int64, end.Valid
		hs[i] = h
	}
	return hs, rows.Err()
}

// Pending returns up to limit digests waiting in the outbox, oldest first,
// starting after the given id. Message is nil unless the digest was stored
// with its message (by digestd before 1 December 2026): the others are
// composed again to be sent.
func (s *Store) Pending(ctx context.Context, afterID int64, limit int) ([]Outgoing, error) {
	if err := s.Settle(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, subscriber_id, recipient, message_id, message, attempts,
		period, created_at FROM digests WHERE status = 'pending' AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var (
			o       Outgoing
			created int64
		)
		if err := rows.Scan(&o.ID, &o.SubscriberID, &o.Recipient, &o.MessageID, &o.Message, &o.Attempts,
			&o.Period, &created); err != nil {
			return nil, err
		}
		o.Created = fromUnix(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

// markSent records that the relay accepted a digest, in the sent log: the
// next write of the Store's marks it sent in the outbox, drops any body
// stored with it (the papers it held are in sent_papers, and the copy
// would only grow the file), and forgets the failures of its reader's
// address (applySent).
func (s *Store) markSent(ctx context.Context, out Outgoing) error {
	return s.sent.add(ctx, sentMark{DigestID: out.ID, SubscriberID: out.SubscriberID, Period: out.Period,
		At: s.now().Unix()})
}

// markAttempt records a failed delivery attempt; status stays pending for a
// temporary failure and becomes failed for a permanent one.
func (s *Store) markAttempt(ctx context.Context, id int64, status string, cause error) error {
	return s.write(ctx, func(tx stmtcache.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE digests SET status = ?, attempts = attempts + 1,
			last_error = ? WHERE id = ?`, status, cause.Error(), id)
		return err
	})
}

// expire gives up on a pending digest: its body is dropped, reason kept as
// its last error, and its papers released to go into the reader's next
// digest.
func (s *Store) expire(ctx context.Context, id int64, reason string) error {
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

// sentSince counts the digests the relay accepted at or after t.
func (s *Store) sentSince(ctx context.Context, t time.Time) (int, error) {
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

// sentAfter reads, for each reader, the papers already sent to them past
// the start of their next digest: those their digest must leave out.
func (s *Store) sentAfter(ctx context.Context, readers []dueReader) ([]map[int64]bool, error) {
	pairs := make([][2]int64, len(readers))
	for i, rd := range readers {
		pairs[i] = [2]int64{rd.sub.ID, rd.history.windowStart}
	}
	rows, err := s.stmts.QueryJSON(ctx, sentAfterQuery, pairs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sent := make([]map[int64]bool, len(readers))
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

// countNowDigests counts the send-now digests of a subscriber in a period.
func (s *Store) countNowDigests(ctx context.Context, subscriberID int64, period string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM digests WHERE subscriber_id = ? AND period LIKE ?`,
		subscriberID, period+nowPeriodMark+"%").Scan(&n)
	return n, err
}

// sentDigest returns the id and build time of sub's sent digest of period.
func (s *Store) sentDigest(ctx context.Context, subscriberID int64, period string) (int64, time.Time, error) {
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

// digestPapers returns the row ids of the papers a digest held, in id order.
func (s *Store) digestPapers(ctx context.Context, subscriberID, digestID int64) ([]int64, error) {
	return s.queryIDs(ctx, `SELECT paper_id FROM sent_papers
		WHERE subscriber_id = ? AND digest_id = ? ORDER BY paper_id`, subscriberID, digestID)
}
