package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/sqlite"
	"github.com/digestd/digestd/subscribers"
)

// processes opens one database as two processes would: a Store each, on
// connections of their own.
func processes(t *testing.T) (a, b *sqlite.Store, db *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digestd.db")
	for _, s := range []**sqlite.Store{&a, &b} {
		conn, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		*s, db = digesttest.NewStore(t, conn), conn
	}
	return a, b, db
}

func take(t *testing.T, s *sqlite.Store, name string, ttl time.Duration) *sqlite.Lease {
	t.Helper()
	l, err := s.TakeLease(context.Background(), name, ttl)
	if err != nil {
		t.Fatalf("TakeLease(%s): %v", name, err)
	}
	return l
}

// TestLeaseOnePassAtATime: while one process holds a lease, another that
// asks for it is told who holds it and since when; it gets it once the
// holder lets go, or once the holder has not renewed it for its term.
func TestLeaseOnePassAtATime(t *testing.T) {
	ctx := context.Background()
	a, b, _ := processes(t)
	host, _ := os.Hostname()
	start := time.Now()

	held := take(t, a, "deliver", time.Minute)
	_, err := b.TakeLease(ctx, "deliver", time.Minute)
	var he *sqlite.LeaseHeldError
	if !errors.As(err, &he) || he.Holder.PID != os.Getpid() || he.Holder.Host != host ||
		he.Taken.Before(start.Truncate(time.Millisecond)) || he.Taken.After(time.Now()) {
		t.Fatalf("second TakeLease: got %v, want a LeaseHeldError naming pid %d on %s since the first", err, os.Getpid(), host)
	}
	t.Logf("held: %v", err)
	if _, err := b.TakeLease(ctx, "send-now/1", time.Minute); err != nil {
		t.Errorf("another name: got %v, want it free", err)
	}
	if info, err := b.LeaseOf(ctx, "deliver"); err != nil || info.Holder.PID != os.Getpid() {
		t.Errorf("LeaseOf: got %+v, %v; want this process", info, err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LeaseOf(ctx, "deliver"); !errors.Is(err, digest.ErrNotFound) {
		t.Errorf("LeaseOf after release: got %v, want ErrNotFound", err)
	}
	take(t, b, "deliver", 300*time.Millisecond).Release(ctx)

	// A holder that renews keeps it; one that stops loses it after its term.
	kept := take(t, a, "deliver", 300*time.Millisecond)
	for range 6 {
		time.Sleep(100 * time.Millisecond)
		if err := kept.Renew(ctx); err != nil {
			t.Fatalf("Renew: %v", err)
		}
		if _, err := b.TakeLease(ctx, "deliver", time.Minute); !errors.As(err, &he) {
			t.Fatalf("TakeLease of a lease renewed every 100ms: got %v, want it held", err)
		}
	}
	if !kept.Held() {
		t.Error("Held: got false just after a renewal")
	}
	time.Sleep(350 * time.Millisecond)
	if kept.Held() {
		t.Error("Held: got true past the lease's term")
	}
	if _, err := b.LeaseOf(ctx, "deliver"); !errors.Is(err, digest.ErrNotFound) {
		t.Errorf("LeaseOf a lapsed lease: got %v, want ErrNotFound", err)
	}
	take(t, b, "deliver", time.Minute)
	if err := kept.Renew(ctx); !errors.Is(err, sqlite.ErrLeaseLost) {
		t.Errorf("Renew of a lease another process took: got %v, want ErrLeaseLost", err)
	}
}

// enqueue stores digests of sub for periods, claimed by l.
func enqueue(t *testing.T, s *sqlite.Store, l *sqlite.Lease, sub subscribers.Subscriber, periods ...string) []*digest.Outgoing {
	t.Helper()
	var outs []*digest.Outgoing
	for i, p := range periods {
		outs = append(outs, &digest.Outgoing{SubscriberID: sub.ID, Recipient: sub.Email, Period: p,
			MessageID: "<" + p + "." + sub.Email + ">", Created: time.Now(), WindowEnd: 10, PaperIDs: []int64{int64(2*i + 1), int64(2*i + 2)}})
	}
	errs, err := s.Enqueue(context.Background(), l, outs)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return outs
}

func addReader(t *testing.T, db *sql.DB, email string) subscribers.Subscriber {
	t.Helper()
	sub, err := subscribers.NewStore(db).Add(context.Background(), email, subscribers.StatusActive, subscribers.DefaultSettings(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func claimIDs(t *testing.T, s *sqlite.Store, l *sqlite.Lease) []int64 {
	t.Helper()
	outs, err := s.ClaimPending(context.Background(), l, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range outs {
		ids = append(ids, o.ID)
	}
	return ids
}

// TestClaimPendingSkipsWhatALiveLeaseClaims: a pending digest stored under
// a lease that lives is nobody else's to send; once that lease is released
// or lapses, the next holder claims it, and one waiting to be sent once
// more after an unanswered final dot waits its time.
func TestClaimPendingSkipsWhatALiveLeaseClaims(t *testing.T) {
	ctx := context.Background()
	a, b, db := processes(t)
	ann := addReader(t, db, "ann@example.org")
	sendNow := take(t, a, "send-now/1", 300*time.Millisecond)
	outs := enqueue(t, a, sendNow, ann, "2026-07-14-now-1", "2026-07-14")
	pass := take(t, b, "deliver", time.Minute)
	if got := claimIDs(t, b, pass); len(got) != 0 {
		t.Errorf("claims of a live lease: got %v claimed by another, want none", got)
	}
	time.Sleep(350 * time.Millisecond)
	if got := claimIDs(t, b, pass); len(got) != 2 || got[0] != outs[0].ID || got[1] != outs[1].ID {
		t.Errorf("claims of a lapsed lease: got %v, want %d and %d", got, outs[0].ID, outs[1].ID)
	}
	if _, err := a.RecordMaybeDelivered(ctx, pass, outs[0].ID, errors.New("i/o timeout"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := pass.Release(ctx); err != nil {
		t.Fatal(err)
	}
	next := take(t, a, "deliver", time.Minute)
	if got := claimIDs(t, a, next); len(got) != 1 || got[0] != outs[1].ID {
		t.Errorf("after release: got %v, want only %d (%d waits an hour to go once more)", got, outs[1].ID, outs[0].ID)
	}
}

// TestGuardedStatusChanges: an outcome is recorded only on a digest
// pending and claimed by the recorder. A digest another process sent
// (its send in the sent log, not yet in the outbox) is not failed, and
// expiring it does not release its papers; a holder whose lease lapsed
// and was taken over changes nothing of what the new holder claimed.
func TestGuardedStatusChanges(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		record func(s *sqlite.Store, l *sqlite.Lease, id int64) error
	}{
		{"expire", func(s *sqlite.Store, l *sqlite.Lease, id int64) error { return s.Expire(ctx, l, id, "expired: test") }},
		{"failed", func(s *sqlite.Store, l *sqlite.Lease, id int64) error {
			return s.RecordFailed(ctx, l, id, errors.New("550 no such user"))
		}},
		{"failed content", func(s *sqlite.Store, l *sqlite.Lease, id int64) error {
			return s.RecordFailedContent(ctx, l, id, errors.New("554 spam"))
		}},
		{"deferred", func(s *sqlite.Store, l *sqlite.Lease, id int64) error {
			return s.RecordDeferred(ctx, l, id, errors.New("451 later"))
		}},
		{"maybe delivered", func(s *sqlite.Store, l *sqlite.Lease, id int64) error {
			_, err := s.RecordMaybeDelivered(ctx, l, id, errors.New("i/o timeout"), 0)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, db := processes(t)
			ann := addReader(t, db, "ann@example.org")
			first := take(t, a, "deliver", 200*time.Millisecond)
			out := enqueue(t, a, first, ann, "2026-07-14")[0]
			time.Sleep(250 * time.Millisecond)
			second := take(t, b, "deliver", time.Minute)
			if got := claimIDs(t, b, second); len(got) != 1 {
				t.Fatalf("takeover: got %v claimed, want the digest", got)
			}
			if err := tt.record(a, first, out.ID); err != nil {
				t.Fatal(err)
			}
			if got := digesttest.Count(t, db, `SELECT count(*) FROM digests WHERE status = 'pending' AND attempts = 0
				AND maybe_delivered = 0`); got != 1 {
				t.Errorf("a lapsed holder's %s: changed the digest the new holder claimed", tt.name)
			}

			if err := b.RecordSent(ctx, out); err != nil {
				t.Fatal(err)
			}
			if err := tt.record(b, second, out.ID); err != nil {
				t.Fatal(err)
			}
			if got := digesttest.Count(t, db, `SELECT count(*) FROM digests WHERE status = 'sent'`); got != 1 {
				t.Errorf("%s after the send: got the digest %s, want sent", tt.name, status(t, db))
			}
			if got := digesttest.Count(t, db, `SELECT count(*) FROM sent_papers`); got != 2 {
				t.Errorf("%s after the send: got %d papers kept as sent, want 2", tt.name, got)
			}
		})
	}
}

func status(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s string
	if err := db.QueryRow(`SELECT status FROM digests`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
