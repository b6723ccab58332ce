package subscribers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

func TestNewToken(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	seen := map[string]bool{}
	var secrets [][]byte // the random bits of each token
	var last []byte      // the stamp of the token minted before
	for _, kind := range []subscribers.TokenKind{subscribers.TokenConfirm, subscribers.TokenManage, subscribers.TokenManage} {
		before := time.Now().UnixMilli()
		text, err := st.NewToken(t.Context(), sub.ID, kind)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(text)
		if err != nil || len(raw) != 30 {
			t.Fatalf("token %q: got %d bytes (%v), want URL-safe base64 of 30: a stamp of 6, then 24 random", text, len(raw), err)
		}
		// Tokens minted one after the other are stamped in that order,
		// and stored under the stamp (digesttest.TokenKey): a pass's go
		// side by side.
		stamp := raw[:6]
		if ms := int64(stamp[0])<<40 | int64(stamp[1])<<32 | int64(stamp[2])<<24 | int64(stamp[3])<<16 |
			int64(stamp[4])<<8 | int64(stamp[5]); ms < before || ms > time.Now().UnixMilli() {
			t.Errorf("token %q: stamped %d, want the time it was minted, %d or a little later", text, ms, before)
		}
		if bytes.Compare(stamp, last) < 0 {
			t.Errorf("token %q: stamped before the token minted before it", text)
		}
		last = stamp
		secrets = append(secrets, raw[6:])
		if seen[text] {
			t.Errorf("token %q: minted twice", text)
		}
		seen[text] = true
		if n := digesttest.Count(t, db, `SELECT count(*) FROM tokens WHERE hash = ?`, digesttest.TokenKey(text)); n != 1 {
			t.Errorf("token %q: got %d rows with its stamp and SHA-256, want 1", text, n)
		}
	}
	rows, err := db.QueryContext(t.Context(), `SELECT hash, kind FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash, kind []byte
		if err := rows.Scan(&hash, &kind); err != nil {
			t.Fatal(err)
		}
		for text := range seen {
			if bytes.Contains(hash, []byte(text)) || bytes.Contains(kind, []byte(text)) {
				t.Errorf("tokens table holds the raw token %q", text)
			}
		}
		for _, secret := range secrets {
			if bytes.Contains(hash, secret) {
				t.Errorf("tokens table holds a token's random bits %x", secret)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestTokenBeforeTheStamp: links mailed before tokens carried the time
// they were minted, 24 random bytes keyed by their SHA-256 alone, keep
// opening their pages.
func TestTokenBeforeTheStamp(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	const old = "b2xkLXN0eWxlLXRva2VuLTI0LWJ5dGVz" // 24 bytes
	sum := sha256.Sum256([]byte(old))
	now := time.Now()
	if _, err := db.ExecContext(t.Context(), `INSERT INTO tokens (hash, subscriber_id, kind, created_at, expires_at)
		VALUES (?, ?, 'manage', ?, ?)`, sum[:], sub.ID, now.Unix(), now.Add(time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
	got, err := st.ByToken(t.Context(), old, subscribers.TokenManage)
	if err != nil || got.ID != sub.ID {
		t.Fatalf("got subscriber %d (%v), want %d", got.ID, err, sub.ID)
	}
	if _, err := st.ByToken(t.Context(), old[:len(old)-1]+"A", subscribers.TokenManage); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("another token: got error %v, want ErrNotFound", err)
	}
}

func TestByToken(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	manage, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenManage)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenManage)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET expires_at = ? WHERE hash = ?`,
		time.Now().Add(-time.Minute).Unix(), digesttest.TokenKey(expired)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		kind       subscribers.TokenKind
		wantErr    error
	}{
		{"live", manage, subscribers.TokenManage, nil},
		{"wrong kind", manage, subscribers.TokenConfirm, subscribers.ErrNotFound},
		{"unknown", "bm90LWEtdG9rZW4tYXQtYWxsLWZvcmdlZA", subscribers.TokenManage, subscribers.ErrNotFound},
		{"empty", "", subscribers.TokenManage, subscribers.ErrNotFound},
		{"expired", expired, subscribers.TokenManage, subscribers.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.ByToken(t.Context(), tt.text, tt.kind)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && got.ID != sub.ID {
				t.Errorf("got subscriber %d, want %d", got.ID, sub.ID)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name   string
		before subscribers.Status
		want   subscribers.Status
	}{
		{"pending becomes active", subscribers.StatusPending, subscribers.StatusActive},
		{"unsubscribed comes back", subscribers.StatusUnsubscribed, subscribers.StatusActive},
		{"active stays active", subscribers.StatusActive, subscribers.StatusActive},
		{"paused stays paused", subscribers.StatusPaused, subscribers.StatusPaused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := digesttest.Subscribers(t)
			sub := digesttest.AddReader(t, st, "ann@example.org", tt.before)
			text, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenConfirm)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Confirm(t.Context(), text)
			if err != nil {
				t.Fatalf("first Confirm: %v", err)
			}
			if got.ID != sub.ID || got.Status != tt.want {
				t.Errorf("got subscriber %d %s, want %d %s", got.ID, got.Status, sub.ID, tt.want)
			}
			if tt.want == subscribers.StatusActive && got.ConfirmedAt.IsZero() {
				t.Errorf("confirmed_at: got zero, want it set")
			}
			if _, err := st.Confirm(t.Context(), text); !errors.Is(err, subscribers.ErrNotFound) {
				t.Errorf("second Confirm: got error %v, want ErrNotFound", err)
			}
		})
	}
}

func TestConfirmRefusesOtherTokens(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusPending)
	manage, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenManage)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenConfirm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET expires_at = ? WHERE hash = ?`,
		time.Now().Add(-time.Second).Unix(), digesttest.TokenKey(expired)); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"manage token": manage, "expired": expired, "unknown": "x"} {
		if _, err := st.Confirm(t.Context(), text); !errors.Is(err, subscribers.ErrNotFound) {
			t.Errorf("%s: got error %v, want ErrNotFound", name, err)
		}
	}
	if got, err := st.ByID(t.Context(), sub.ID); err != nil || got.Status != subscribers.StatusPending {
		t.Errorf("got status %s (%v), want pending", got.Status, err)
	}
}

// TestPurgeExpired stores more expired tokens than one batch deletes, some
// holding a signup, beside live ones: the expired go with their signups,
// the live still open their pages.
func TestPurgeExpired(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	live := map[subscribers.TokenKind]string{}
	for _, kind := range []subscribers.TokenKind{subscribers.TokenConfirm, subscribers.TokenManage} {
		text, err := st.NewToken(t.Context(), sub.ID, kind)
		if err != nil {
			t.Fatal(err)
		}
		live[kind] = text
	}
	if _, err := st.SignUp(t.Context(), "bob@example.org", subscribers.DefaultSettings(), []string{"rag"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET expires_at = 1 WHERE subscriber_id <> ?`, sub.ID); err != nil {
		t.Fatal(err)
	}
	const bulk = 12_000
	if _, err := db.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO tokens (hash, subscriber_id, kind, created_at, expires_at) SELECT randomblob(32), ?, 'manage', 0, 100 FROM n`,
		bulk, sub.ID); err != nil {
		t.Fatal(err)
	}
	n, err := st.PurgeExpired(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != bulk+1 {
		t.Errorf("purged: got %d, want %d", n, bulk+1)
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM tokens`); got != 2 {
		t.Errorf("tokens left: got %d, want the 2 live ones", got)
	}
	if got := digesttest.Count(t, db, `SELECT count(*) FROM signups`); got != 0 {
		t.Errorf("signups left: got %d, want 0 (they go with their token)", got)
	}
	for kind, text := range live {
		if _, err := st.ByToken(t.Context(), text, kind); err != nil {
			t.Errorf("live %s token after the purge: %v", kind, err)
		}
	}
}

// TestConfirmationsMailedSince counts the confirmation links of every
// reader mailed in the window: not those minted and never mailed, not
// those mailed before, not manage links.
func TestConfirmationsMailedSince(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	var mailed []string
	for _, email := range []string{"ann@example.org", "bob@example.org"} {
		sub := digesttest.AddReader(t, st, email, subscribers.StatusPending)
		for _, kind := range []subscribers.TokenKind{subscribers.TokenConfirm, subscribers.TokenConfirm, subscribers.TokenConfirm, subscribers.TokenManage} {
			text, err := st.NewToken(t.Context(), sub.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			if kind == subscribers.TokenConfirm && len(mailed) < 5 {
				mailed = append(mailed, text)
			}
		}
	}
	for _, text := range mailed {
		if err := st.ConfirmationMailed(t.Context(), text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET mailed_at = mailed_at - 7200 WHERE hash = ?`, digesttest.TokenKey(mailed[0])); err != nil {
		t.Fatal(err)
	}
	got, err := st.ConfirmationsMailedSince(t.Context(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got != 4 {
		t.Errorf("confirmations mailed in the last hour: got %d, want 4 (6 minted, 5 mailed, 1 of them two hours ago)", got)
	}
	if err := st.ConfirmationMailed(t.Context(), "unknown"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("an unknown token mailed: got %v, want ErrNotFound", err)
	}
}
