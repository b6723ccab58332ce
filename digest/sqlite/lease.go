package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/digestd/digestd/digest"
)

// A lease is one process's hold on a name in the database — "deliver" for
// the delivery pass, one per reader for "send me my digest now" — that
// lapses unless its holder renews it. It is taken in a write transaction
// (BEGIN IMMEDIATE), so two processes never both hold it. The pending
// digests a holder stores or claims carry the lease's id: they are its own
// while the lease lives, and anyone's once it has lapsed (ClaimPending).

// ErrLeaseLost means a lease lapsed and is gone: another process may have
// taken it, and what it claimed.
var ErrLeaseLost = errors.New("the lease lapsed")

// Holder names the process that holds a lease.
type Holder struct {
	Host    string
	PID     int
	Started time.Time // when the process started
}

// String reads "pid 4242 on web1 (started 2026-12-04 14:00:01 UTC)".
func (h Holder) String() string {
	return fmt.Sprintf("pid %d on %s (started %s)", h.PID, h.Host, h.Started.UTC().Format("2006-01-02 15:04:05 MST"))
}

// processStarted is when this process started, near enough: when the
// package was loaded.
var processStarted = time.Now()

// thisProcess is the Holder this process takes its leases as.
func thisProcess() Holder {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	return Holder{Host: host, PID: os.Getpid(), Started: processStarted}
}

// LeaseInfo is a lease as the database holds it.
type LeaseInfo struct {
	Name    string
	Holder  Holder
	Taken   time.Time
	Renewed time.Time
	Expires time.Time
}

// LeaseHeldError is TakeLease's answer when another process holds the lease.
type LeaseHeldError struct {
	LeaseInfo
	// Now is when the lease was found held.
	Now time.Time
}

// Error reads "pid 4242 on web1 (started …) holds it since 2026-12-04
// 14:02:03 UTC, renewed 2s ago".
func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("%s holds it since %s, renewed %s ago", e.Holder,
		e.Taken.UTC().Format("2006-01-02 15:04:05 MST"), e.Now.Sub(e.Renewed).Round(time.Second))
}

// Lease is a lease this process holds; Renew keeps it, Release ends it.
type Lease struct {
	store *Store
	name  string
	id    string // what the digests it claims carry
	ttl   time.Duration

	mu      sync.Mutex
	renewed time.Time // the last renewal that took
}

// TakeLease takes the lease name for ttl. When another process holds it
// and it has not lapsed, the error is a *LeaseHeldError naming the holder.
// Lapsed leases of any name are dropped on the way.
func (s *Store) TakeLease(ctx context.Context, name string, ttl time.Duration) (*Lease, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	l := &Lease{store: s, name: name, id: hex.EncodeToString(id), ttl: ttl}
	me := thisProcess()
	var held *LeaseHeldError
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE expires_ms <= ?`, now.UnixMilli()); err != nil {
			return err
		}
		info, err := leaseOf(tx.QueryRowContext(ctx, leaseQuery, name))
		if err == nil {
			held = &LeaseHeldError{LeaseInfo: info, Now: now}
			return nil
		}
		if !errors.Is(err, digest.ErrNotFound) {
			return err
		}
		l.renewed = now
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (name, id, host, pid, started_ms, taken_ms,
			renewed_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, name, l.id, me.Host, me.PID,
			me.Started.UnixMilli(), now.UnixMilli(), now.UnixMilli(), now.Add(ttl).UnixMilli())
		return err
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("lease %s: %w", name, err)
	case held != nil:
		return nil, held
	}
	return l, nil
}

// Renew extends the lease by its ttl from now. ErrLeaseLost means it had
// lapsed and was dropped: the holder must stop acting on it.
func (l *Lease) Renew(ctx context.Context) error {
	var now time.Time
	var n int64
	err := l.store.write(ctx, func(tx *sql.Tx) error {
		now = l.store.now()
		res, err := tx.ExecContext(ctx, `UPDATE leases SET renewed_ms = ?, expires_ms = ? WHERE name = ? AND id = ?`,
			now.UnixMilli(), now.Add(l.ttl).UnixMilli(), l.name, l.id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		err = ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("lease %s: %w", l.name, err)
	}
	l.mu.Lock()
	l.renewed = now
	l.mu.Unlock()
	return nil
}

// Held reports whether the holder may still act on the lease: it was
// renewed within the first half of its term. A holder that cannot renew
// (the database locked for a long time) stops well before the lease
// lapses and another process may take it with what it claimed.
func (l *Lease) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.store.now().Before(l.renewed.Add(l.ttl / 2))
}

// Release ends the lease: what it claimed is free for the next holder.
func (l *Lease) Release(ctx context.Context) error {
	err := l.store.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND id = ?`, l.name, l.id)
		return err
	})
	if err != nil {
		return fmt.Errorf("lease %s: release: %w", l.name, err)
	}
	return nil
}

// DropLeases empties the leases of the database file at path: a copy, in
// which no process holds anything. A backup taken during a pass would
// otherwise make the first pass on the restored copy wait for that pass's
// lease to lapse.
func DropLeases(ctx context.Context, path string) error {
	// A copy is one file: no write-ahead log beside it once it is closed.
	db, err := openSQLite(ctx, path, url.Values{"_journal_mode": {"DELETE"}, "_busy_timeout": {"10000"}})
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `DELETE FROM leases`)
	return errors.Join(err, db.Close())
}

// LeaseOf returns the lease name as the database holds it; ErrNotFound
// when nobody holds it, or its holder let it lapse.
func (s *Store) LeaseOf(ctx context.Context, name string) (LeaseInfo, error) {
	info, err := leaseOf(s.db.QueryRowContext(ctx, leaseQuery, name))
	if err == nil && !info.Expires.After(s.now()) {
		err = digest.ErrNotFound
	}
	return info, err
}

const leaseQuery = `SELECT name, host, pid, started_ms, taken_ms, renewed_ms, expires_ms FROM leases WHERE name = ?`

func leaseOf(row *sql.Row) (LeaseInfo, error) {
	var (
		info                             LeaseInfo
		started, taken, renewed, expires int64
	)
	err := row.Scan(&info.Name, &info.Holder.Host, &info.Holder.PID, &started, &taken, &renewed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return info, digest.ErrNotFound
	}
	info.Holder.Started, info.Taken = time.UnixMilli(started).UTC(), time.UnixMilli(taken).UTC()
	info.Renewed, info.Expires = time.UnixMilli(renewed).UTC(), time.UnixMilli(expires).UTC()
	return info, err
}
