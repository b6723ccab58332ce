package subscribers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// TokenKind says what a token lets its bearer do.
type TokenKind string

// The token kinds.
const (
	// TokenConfirm confirms a pending subscription; single use.
	TokenConfirm TokenKind = "confirm"
	// TokenManage opens the manage and unsubscribe pages; every digest
	// carries a fresh one, so the links of any mail keep working.
	TokenManage TokenKind = "manage"
)

// Token lifetimes: a confirmation link is short-lived; a digest's manage and
// unsubscribe links must keep working long after the mail was read.
const (
	ConfirmTTL = 48 * time.Hour
	ManageTTL  = 365 * 24 * time.Hour
)

// NewToken mints a token of the given kind for a subscriber and returns its
// text, which goes into a link. Only its SHA-256 is stored, so a copy of the
// database opens no one's manage page.
func (s *Store) NewToken(ctx context.Context, subscriberID int64, kind TokenKind) (string, error) {
	return insertToken(ctx, s.db, subscriberID, kind, s.now())
}

// insertToken mints and stores a token through db or a transaction.
func insertToken(ctx context.Context, db Execer, subscriberID int64, kind TokenKind, now time.Time) (string, error) {
	text, err := MintToken()
	if err != nil {
		return "", err
	}
	return text, SaveToken(ctx, db, text, subscriberID, kind, now)
}

// Execer is a database handle or a transaction.
type Execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// SaveToken stores text, from MintToken, as a token of the given kind for
// a subscriber, through db or a transaction. Only its SHA-256 is stored, so
// a copy of the database opens no one's manage page.
func SaveToken(ctx context.Context, db Execer, text string, subscriberID int64, kind TokenKind, now time.Time) error {
	ttl := ManageTTL
	if kind == TokenConfirm {
		ttl = ConfirmTTL
	}
	_, err := db.ExecContext(ctx, `INSERT INTO tokens (hash, subscriber_id, kind, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, hashToken(text), subscriberID, kind, now.Unix(), now.Add(ttl).Unix())
	if err != nil {
		return fmt.Errorf("token for subscriber %d: %w", subscriberID, err)
	}
	return nil
}

// Grant is a token minted for a subscriber, to be saved.
type Grant struct {
	SubscriberID int64
	Text         string // from MintToken
}

// SaveTokens stores tokens of the given kind, in one transaction: a
// delivery pass saves the manage tokens of a batch of digests before it
// stores the digests whose links carry them.
func (s *Store) SaveTokens(ctx context.Context, kind TokenKind, grants []Grant) error {
	if len(grants) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	for _, g := range grants {
		if err := SaveToken(ctx, s.stmts.In(tx), g.Text, g.SubscriberID, kind, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// MintToken returns the text of a new token for a link, URL-safe: the
// time it was minted, in milliseconds (48 bits), then 192 random bits;
// SaveToken makes it work. A digest mints its manage token before it is
// rendered and saves it in the transaction that stores the digest.
func MintToken() (string, error) {
	raw := make([]byte, tokenStamp+24)
	ms := binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixMilli()))
	copy(raw, ms[8-tokenStamp:])
	if _, err := rand.Read(raw[tokenStamp:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// tokenStamp is how many bytes of a token are the time it was minted.
const tokenStamp = 6

// hashToken is the key a token is stored and looked up by: its SHA-256,
// after the time it was minted. Keyed by the time, the tokens a pass
// mints for its digests go side by side at the end of the table, where
// keyed by a hash alone each went to a leaf of its own, all over a table
// of a year of digests (docs/PERFORMANCE.md, item 59). The time opens
// nothing: only the hash stands for the token's random bits. A token
// minted before the stamp, 192 random bits alone, is keyed by its hash.
func hashToken(text string) []byte {
	h := sha256.Sum256([]byte(text))
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw) != tokenStamp+24 {
		return h[:]
	}
	return append(raw[:tokenStamp:tokenStamp], h[:]...)
}

// ByToken returns the subscriber a live token of the given kind belongs to.
// Unknown, expired and used tokens all give ErrNotFound. The lookup is by
// hash, so timing reveals nothing about the stored tokens.
func (s *Store) ByToken(ctx context.Context, text string, kind TokenKind) (Subscriber, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT subscriber_id FROM tokens
		WHERE hash = ? AND kind = ? AND expires_at > ? AND used_at = 0`,
		hashToken(text), kind, s.now().Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, err
	}
	return s.ByID(ctx, id)
}

// RotateTokens revokes every manage token of a subscriber, those in digests
// already sent included, and their feed link, and returns the one new
// manage token, in one transaction.
func (s *Store) RotateTokens(ctx context.Context, subscriberID int64) (string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE subscriber_id = ? AND kind = 'manage'`, subscriberID); err != nil {
		return "", fmt.Errorf("tokens of subscriber %d: %w", subscriberID, err)
	}
	// Whoever held an old manage link could have asked for a feed link too.
	if _, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE subscriber_id = ?`, subscriberID); err != nil {
		return "", fmt.Errorf("feed of subscriber %d: %w", subscriberID, err)
	}
	text, err := insertToken(ctx, tx, subscriberID, TokenManage, s.now())
	if err != nil {
		return "", err
	}
	return text, tx.Commit()
}

// NewFeedToken gives a subscriber a new feed link token; their previous one
// stops working. Feed readers poll the link for years, so it does not
// expire; only its hash is stored.
func (s *Store) NewFeedToken(ctx context.Context, subscriberID int64) (string, error) {
	text, err := MintToken()
	if err != nil {
		return "", err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO feeds (subscriber_id, hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (subscriber_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`,
		subscriberID, hashToken(text), s.now().Unix())
	if err != nil {
		return "", fmt.Errorf("feed token for subscriber %d: %w", subscriberID, err)
	}
	return text, nil
}

// ByFeedToken returns the subscriber a feed token belongs to; an unknown or
// replaced one gives ErrNotFound.
func (s *Store) ByFeedToken(ctx context.Context, text string) (Subscriber, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT subscriber_id FROM feeds WHERE hash = ?`, hashToken(text)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("feed token: %w", ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, err
	}
	return s.ByID(ctx, id)
}

// purgeBatch bounds one statement of the purge, so that it never holds the
// write lock for long: a pass stores its digests between the batches.
const purgeBatch = 5000

// The purge's and the hourly count's queries, each a range of an index
// (TestTokenQueriesSeekAnIndex).
const (
	purgeQuery = `DELETE FROM tokens WHERE hash IN
		(SELECT hash FROM tokens WHERE expires_at <= ? LIMIT ?)`
	confirmationsQuery = `SELECT count(*) FROM tokens WHERE kind = 'confirm' AND mailed_at > ?`
)

// PurgeExpired deletes the expired tokens, with the signups held with
// them, a batch at a time, and returns how many went. An expired token
// opens nothing; a year of digests, each with a manage token, would
// otherwise keep them all. The index on expires_at makes it a range, not a
// scan of the table.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.now().Unix()
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, purgeQuery, now, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("purge expired tokens: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// ConfirmationMailed records that the link of a confirmation token went
// out in a mail: from then it counts against the hourly mail cap.
func (s *Store) ConfirmationMailed(ctx context.Context, text string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET mailed_at = ? WHERE hash = ? AND kind = 'confirm'`,
		s.now().Unix(), hashToken(text))
	if err != nil {
		return fmt.Errorf("confirmation token: %w", err)
	}
	return mustAffect(res, "confirmation token")
}

// ConfirmationsMailedSince counts the confirmation links mailed since t,
// by any process: they count against the hourly mail cap beside the
// digests. A link minted and never mailed (the queue dropped it) does not.
func (s *Store) ConfirmationsMailedSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, confirmationsQuery, t.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count confirmations: %w", err)
	}
	return n, nil
}
