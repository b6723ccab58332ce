package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/digestd/digestd/internal/stmtcache"
)

// sentLog is where a pass's senders record each digest the relay accepted
// the moment it did: a small SQLite database of its own beside digestd's
// (its path with "-sent" added), applied to the outbox by the Store's next
// write: recording each send in the outbox itself would take a write
// transaction a digest on the database every builder reads, each commit
// making the other connections drop their page caches (docs/PERFORMANCE.md,
// item 31). A commit here survives a killed process as one in the outbox
// does, so a crash still resends at most the digest each connection had in
// flight.
//
// An entry names its digest by row id, reader and period, so that a log left
// beside a database restored from a backup records only what it sent.
type sentLog struct {
	path  string
	db    *sql.DB
	stmts *stmtcache.Cache
	mu    sync.Mutex // one writer at a time
}

// sentEntry is one digest the relay accepted, at (Unix seconds, the Store's
// clock).
type sentEntry struct {
	DigestID     int64
	SubscriberID int64
	Period       string
	At           int64
}

// sentLogSchema creates the log's one table; entries live there from a send
// until the outbox has them.
const sentLogSchema = `CREATE TABLE IF NOT EXISTS sent (
	digest_id     INTEGER PRIMARY KEY,
	subscriber_id INTEGER NOT NULL,
	period        TEXT NOT NULL,
	at            INTEGER NOT NULL
)`

// openSentLog opens (creating if needed) the sent log of the database
// file dbPath.
func openSentLog(ctx context.Context, dbPath string) (*sentLog, error) {
	path := dbPath + "-sent"
	db, err := openSQLite(ctx, path, writerOptions())
	if err != nil {
		return nil, fmt.Errorf("sent log: %w", err)
	}
	if _, err := db.ExecContext(ctx, sentLogSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sent log %s: %w", path, err)
	}
	return &sentLog{path: path, db: db, stmts: stmtcache.New(db)}, nil
}

// add records e.
func (l *sentLog) add(ctx context.Context, e sentEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.stmts.Exec(ctx, `INSERT OR REPLACE INTO sent (digest_id, subscriber_id, period, at)
		VALUES (?, ?, ?, ?)`, e.DigestID, e.SubscriberID, e.Period, e.At)
	if err != nil {
		return fmt.Errorf("sent log %s: digest %d: %w", l.path, e.DigestID, err)
	}
	return nil
}

// entries returns the entries recorded and not yet forgotten, by any process.
func (l *sentLog) entries(ctx context.Context) ([]sentEntry, error) {
	rows, err := l.stmts.Query(ctx, `SELECT digest_id, subscriber_id, period, at FROM sent ORDER BY digest_id`)
	if err != nil {
		return nil, fmt.Errorf("sent log %s: %w", l.path, err)
	}
	defer rows.Close()
	var es []sentEntry
	for rows.Next() {
		var e sentEntry
		if err := rows.Scan(&e.DigestID, &e.SubscriberID, &e.Period, &e.At); err != nil {
			return nil, fmt.Errorf("sent log %s: %w", l.path, err)
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sent log %s: %w", l.path, err)
	}
	return es, nil
}

// forget drops entries the outbox has taken. Should that fail, the entries
// stay, change nothing when applied again (applySent), and the next
// write's forget drops them.
func (l *sentLog) forget(ctx context.Context, es []sentEntry) {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.DigestID
	}
	idList, _ := json.Marshal(ids) // a slice of integers always marshals
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = inTx(ctx, l.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sent WHERE digest_id IN (SELECT value FROM json_each(?))`,
			string(idList))
		return err
	})
}

// close closes the log's database.
func (l *sentLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.db.Close()
}

// applySent records entries in the outbox, in tx: each digest still
// pending becomes sent, its body dropped, and its reader's address
// failures forgotten. An entry whose digest is not pending — applied
// already, by a write that crashed before the log forgot it, or of
// another database — changes nothing.
func applySent(ctx context.Context, tx *sql.Tx, es []sentEntry) error {
	if len(es) == 0 {
		return nil
	}
	rows := make([][4]any, len(es))
	for i, e := range es {
		rows[i] = [4]any{e.DigestID, e.SubscriberID, e.Period, e.At}
	}
	arg, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	for _, query := range []string{forgetFailuresQuery, recordSentQuery} {
		if _, err := tx.ExecContext(ctx, query, string(arg)); err != nil {
			return fmt.Errorf("record sends: %w", err)
		}
	}
	return nil
}

// forgetFailuresQuery and recordSentQuery apply entries given as a JSON array
// of [digest id, subscriber id, period, at]: the first forgets the address
// failures of the readers whose digest is pending, the second records those
// digests sent. Each finds an entry's digest by its row id: the unary +
// keeps SQLite from reading them through digests_pending instead, all of
// a pass's pending digests for each entry.
const (
	forgetFailuresQuery = `DELETE FROM delivery_failures WHERE subscriber_id IN (
		SELECT d.subscriber_id FROM json_each(?) j JOIN digests d ON d.id = j.value->>0
		WHERE d.subscriber_id = j.value->>1 AND d.period = j.value->>2 AND +d.status = 'pending')`
	recordSentQuery = `UPDATE digests SET status = 'sent', message = NULL, sent_at = j.value->>3,
		attempts = attempts + 1, last_error = ''
		FROM json_each(?) j WHERE digests.id = j.value->>0 AND digests.subscriber_id = j.value->>1
		AND digests.period = j.value->>2 AND +digests.status = 'pending'`
)
