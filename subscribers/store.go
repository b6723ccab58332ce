package subscribers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/digestd/digestd/internal/stmtcache"
)

// Store keeps subscribers, topics and tokens in the SQLite database that
// sqlite.Open opened and migrated.
type Store struct {
	db    *sql.DB
	now   func() time.Time
	stmts *stmtcache.Cache // for the queries a delivery pass runs per reader
}

// NewStore returns a Store over db.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db, now: time.Now, stmts: stmtcache.New(db)}
}

const subscriberColumns = `id, email, status, frequency, weekday, hour, timezone, max_papers, created_at, confirmed_at`

func scanSubscriber(row interface{ Scan(...any) error }) (Subscriber, error) {
	var (
		s                  Subscriber
		created, confirmed int64
	)
	err := row.Scan(&s.ID, &s.Email, &s.Status, &s.Frequency, &s.Weekday, &s.Hour, &s.Timezone,
		&s.MaxPapers, &created, &confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	s.CreatedAt = time.Unix(created, 0).UTC()
	if confirmed != 0 {
		s.ConfirmedAt = time.Unix(confirmed, 0).UTC()
	}
	return s, err
}

// Add stores a new subscriber with the given status, settings and topics in
// one transaction. Every topic is parsed first: an invalid one stores nothing.
// An address already on the list gives ErrExists.
func (s *Store) Add(ctx context.Context, email string, status Status, set Settings, topics []string) (Subscriber, error) {
	addr, err := ParseAddress(email)
	if err != nil {
		return Subscriber{}, err
	}
	if !status.Valid() {
		return Subscriber{}, Invalidf("status %q: unknown", status)
	}
	if err := set.Validate(); err != nil {
		return Subscriber{}, err
	}
	queries, err := ParseTopics(topics)
	if err != nil {
		return Subscriber{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Subscriber{}, err
	}
	defer tx.Rollback()
	now := s.now().Unix()
	var confirmed int64
	if status == StatusActive {
		confirmed = now
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO subscribers (email, status, frequency, weekday, hour,
		timezone, max_papers, created_at, confirmed_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		addr, status, set.Frequency, int(set.Weekday), set.Hour, set.Timezone, set.MaxPapers, now, confirmed, now)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Subscriber{}, fmt.Errorf("subscriber %s: %w", addr, ErrExists)
		}
		return Subscriber{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Subscriber{}, err
	}
	for _, q := range queries {
		if _, err := addTopic(ctx, tx, id, q, now); err != nil {
			return Subscriber{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return Subscriber{}, err
	}
	return s.ByID(ctx, id)
}

// ByID returns the subscriber with the given id.
func (s *Store) ByID(ctx context.Context, id int64) (Subscriber, error) {
	sub, err := scanSubscriber(s.db.QueryRowContext(ctx,
		`SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
	if err != nil {
		return sub, fmt.Errorf("subscriber %d: %w", id, err)
	}
	return sub, nil
}

// ByEmail returns the subscriber with the given address (case-insensitive).
func (s *Store) ByEmail(ctx context.Context, email string) (Subscriber, error) {
	sub, err := scanSubscriber(s.db.QueryRowContext(ctx,
		`SELECT `+subscriberColumns+` FROM subscribers WHERE email = ?`, strings.TrimSpace(email)))
	if err != nil {
		return sub, fmt.Errorf("subscriber %s: %w", email, err)
	}
	return sub, nil
}

// ListOptions select a page of subscribers, in id order.
type ListOptions struct {
	Status  Status // empty: every status
	AfterID int64  // start after this id
	Limit   int    // at most this many; 0 means 1000
}

// List returns one page of subscribers. Callers page through a large list
// with AfterID so memory stays flat however many readers there are.
func (s *Store) List(ctx context.Context, opt ListOptions) ([]Subscriber, error) {
	if opt.Limit <= 0 {
		opt.Limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers
		WHERE id > ? AND (? = '' OR status = ?) ORDER BY id LIMIT ?`,
		opt.AfterID, opt.Status, opt.Status, opt.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, sub)
	}
	return list, rows.Err()
}

// SetStatus moves a subscriber to status; confirming stamps confirmed_at.
func (s *Store) SetStatus(ctx context.Context, id int64, status Status) error {
	if !status.Valid() {
		return Invalidf("status %q: unknown", status)
	}
	now := s.now().Unix()
	res, err := s.db.ExecContext(ctx, `UPDATE subscribers SET status = ?, updated_at = ?,
		confirmed_at = CASE WHEN ? = 'active' AND confirmed_at = 0 THEN ? ELSE confirmed_at END
		WHERE id = ?`, status, now, status, now, id)
	if err != nil {
		return fmt.Errorf("subscriber %d: %w", id, err)
	}
	return mustAffect(res, fmt.Sprintf("subscriber %d", id))
}

// UpdateSettings stores new delivery settings for a subscriber.
func (s *Store) UpdateSettings(ctx context.Context, id int64, set Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE subscribers SET frequency = ?, weekday = ?, hour = ?,
		timezone = ?, max_papers = ?, updated_at = ? WHERE id = ?`,
		set.Frequency, int(set.Weekday), set.Hour, set.Timezone, set.MaxPapers, s.now().Unix(), id)
	if err != nil {
		return fmt.Errorf("subscriber %d: %w", id, err)
	}
	return mustAffect(res, fmt.Sprintf("subscriber %d", id))
}

// Remove deletes a subscriber and everything about them: topics, tokens,
// digests and the record of papers sent.
func (s *Store) Remove(ctx context.Context, email string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM subscribers WHERE email = ?`, strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("subscriber %s: %w", email, err)
	}
	return mustAffect(res, "subscriber "+email)
}

func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// Update replaces a subscriber's settings, topics and status in one
// transaction; every topic is parsed first and an invalid one changes nothing.
func (s *Store) Update(ctx context.Context, id int64, set Settings, topics []string, status Status) error {
	if err := set.Validate(); err != nil {
		return err
	}
	if !status.Valid() {
		return Invalidf("status %q: unknown", status)
	}
	queries, err := ParseTopics(topics)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now().Unix()
	res, err := tx.ExecContext(ctx, `UPDATE subscribers SET frequency = ?, weekday = ?, hour = ?,
		timezone = ?, max_papers = ?, status = ?, updated_at = ?,
		confirmed_at = CASE WHEN ? = 'active' AND confirmed_at = 0 THEN ? ELSE confirmed_at END
		WHERE id = ?`,
		set.Frequency, int(set.Weekday), set.Hour, set.Timezone, set.MaxPapers, status, now, status, now, id)
	if err != nil {
		return fmt.Errorf("subscriber %d: %w", id, err)
	}
	if err := mustAffect(res, fmt.Sprintf("subscriber %d", id)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM topics WHERE subscriber_id = ?`, id); err != nil {
		return err
	}
	for _, q := range queries {
		if _, err := addTopic(ctx, tx, id, q, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Export is everything stored about one subscriber, as they download it.
type Export struct {
	Email       string         `json:"email"`
	Status      Status         `json:"status"`
	Frequency   Frequency      `json:"frequency"`
	Weekday     string         `json:"weekday"`
	Hour        int            `json:"hour"`
	Timezone    string         `json:"timezone"`
	MaxPapers   int            `json:"max_papers"`
	CreatedAt   time.Time      `json:"created_at"`
	ConfirmedAt time.Time      `json:"confirmed_at,omitzero"`
	Topics      []string       `json:"topics"`
	Digests     []ExportDigest `json:"digests"` // from the outbox
}

// ExportDigest is one digest made for the subscriber.
type ExportDigest struct {
	Period string    `json:"period"`
	Status string    `json:"status"`
	Papers int       `json:"papers"`
	SentAt time.Time `json:"sent_at,omitzero"`
}

// Export gathers a subscriber's address, settings and topics; the
// digests made for them are the outbox's to add (Digests stays empty).
func (s *Store) Export(ctx context.Context, id int64) (Export, error) {
	sub, err := s.ByID(ctx, id)
	if err != nil {
		return Export{}, err
	}
	e := Export{Email: sub.Email, Status: sub.Status, Frequency: sub.Frequency, Weekday: sub.Weekday.String(),
		Hour: sub.Hour, Timezone: sub.Timezone, MaxPapers: sub.MaxPapers, CreatedAt: sub.CreatedAt,
		ConfirmedAt: sub.ConfirmedAt, Topics: []string{}, Digests: []ExportDigest{}}
	topics, err := s.Topics(ctx, id)
	if err != nil {
		return Export{}, err
	}
	for _, t := range topics {
		e.Topics = append(e.Topics, t.Query)
	}
	return e, nil
}
