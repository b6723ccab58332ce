package subscribers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Signup is what a subscribe form asked for an address: the settings and
// topics that confirming applies. It is held with a confirmation token
// until the address's owner presses the button the confirmation mail leads
// to; until then nothing stored about the reader changes, since anyone can
// type anyone's address into the form.
type Signup struct {
	// Subscriber is the address's reader as stored: a new address is
	// pending, a known one stays as it was.
	Subscriber Subscriber
	// Settings and Topics are what confirming applies. The subscribe form
	// has no papers-per-digest field: MaxPapers is the reader's own.
	Settings Settings
	Topics   []string
	// Token is the confirmation token's text, for the link. It is empty
	// when the address was sent a confirmation too recently (ConfirmEvery,
	// ConfirmPerDay): then nothing is held and no mail goes.
	Token string
}

// How often one address may be sent a confirmation, however often the form
// is posted with it: the subscribe form must not become a way to fill
// someone's inbox.
const (
	ConfirmEvery  = 10 * time.Minute
	ConfirmPerDay = 5
)

// SignUp holds a subscribe form's settings and topics for email with a new
// confirmation token, in one transaction, and returns them with the
// token's text. An address never seen is stored as pending (with the
// settings: a pending reader is sent nothing); a known reader is left as
// stored, whatever their status. The work is the same either way, so the
// form's answer and its time tell no one who is subscribed. Confirm
// applies the signup.
func (s *Store) SignUp(ctx context.Context, email string, set Settings, topics []string) (Signup, error) {
	addr, err := ParseAddress(email)
	if err != nil {
		return Signup{}, err
	}
	if err := set.Validate(); err != nil {
		return Signup{}, err
	}
	queries, err := ParseTopics(topics)
	if err != nil {
		return Signup{}, err
	}
	su := Signup{Settings: set, Topics: make([]string, len(queries))}
	for i, q := range queries {
		su.Topics[i] = q.String()
	}
	held, err := json.Marshal(su.Topics)
	if err != nil {
		return Signup{}, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Signup{}, err
	}
	defer tx.Rollback()
	now := s.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO subscribers (email, status, frequency, weekday, hour, timezone,
		created_at, updated_at) VALUES (?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
		addr, set.Frequency, int(set.Weekday), set.Hour, set.Timezone, now.Unix(), now.Unix()); err != nil {
		return Signup{}, fmt.Errorf("subscriber %s: %w", addr, err)
	}
	su.Subscriber, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE email = ?`, addr))
	if err != nil {
		return Signup{}, fmt.Errorf("subscriber %s: %w", addr, err)
	}
	su.Settings.MaxPapers = su.Subscriber.MaxPapers
	var recent, today int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE created_at > ?), count(*) FROM tokens
		WHERE subscriber_id = ? AND kind = 'confirm' AND created_at > ?`,
		now.Add(-ConfirmEvery).Unix(), su.Subscriber.ID, now.Add(-24*time.Hour).Unix()).Scan(&recent, &today); err != nil {
		return Signup{}, fmt.Errorf("confirmations of %s: %w", addr, err)
	}
	if recent > 0 || today >= ConfirmPerDay {
		return su, tx.Commit()
	}
	if su.Token, err = insertToken(ctx, tx, su.Subscriber.ID, TokenConfirm, now); err != nil {
		return Signup{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO signups (hash, frequency, weekday, hour, timezone, topics)
		VALUES (?, ?, ?, ?, ?, ?)`, hashToken(su.Token), set.Frequency, int(set.Weekday), set.Hour, set.Timezone, held); err != nil {
		return Signup{}, fmt.Errorf("signup of %s: %w", addr, err)
	}
	return su, tx.Commit()
}

// SignupByToken returns what confirming a live confirmation token would
// apply, for the page that asks for the click: the signup held with it,
// or for a token minted without one (`digestd subscribers add`) the
// reader's stored settings and topics. Unknown, expired and used tokens
// give ErrNotFound. It changes nothing.
func (s *Store) SignupByToken(ctx context.Context, text string) (Signup, error) {
	sub, err := s.ByToken(ctx, text, TokenConfirm)
	if err != nil {
		return Signup{}, err
	}
	su := Signup{Subscriber: sub, Settings: sub.Settings(), Token: text}
	var held []byte
	err = s.db.QueryRowContext(ctx, `SELECT frequency, weekday, hour, timezone, topics FROM signups WHERE hash = ?`,
		hashToken(text)).Scan(&su.Settings.Frequency, &su.Settings.Weekday, &su.Settings.Hour, &su.Settings.Timezone, &held)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		topics, err := s.Topics(ctx, sub.ID)
		for _, t := range topics {
			su.Topics = append(su.Topics, t.Query)
		}
		return su, err
	case err != nil:
		return Signup{}, fmt.Errorf("signup of %s: %w", sub.Email, err)
	}
	if err := json.Unmarshal(held, &su.Topics); err != nil {
		return Signup{}, fmt.Errorf("signup of %s: topics: %w", sub.Email, err)
	}
	return su, nil
}

// Confirm uses a confirmation token, once, in one transaction: the reader
// becomes active with the settings and topics of the signup held with the
// token. A token minted without a signup (`digestd subscribers add`) makes
// a pending or unsubscribed reader active and keeps what is stored.
func (s *Store) Confirm(ctx context.Context, text string) (Subscriber, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Subscriber{}, err
	}
	defer tx.Rollback()
	now := s.now().Unix()
	var id int64
	err = tx.QueryRowContext(ctx, `UPDATE tokens SET used_at = ?
		WHERE hash = ? AND kind = 'confirm' AND expires_at > ? AND used_at = 0
		RETURNING subscriber_id`, now, hashToken(text), now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("confirmation token: %w", ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, err
	}
	var (
		set  Settings
		held []byte
	)
	err = tx.QueryRowContext(ctx, `DELETE FROM signups WHERE hash = ? RETURNING frequency, weekday, hour, timezone, topics`,
		hashToken(text)).Scan(&set.Frequency, &set.Weekday, &set.Hour, &set.Timezone, &held)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', confirmed_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('pending', 'unsubscribed')`, now, now, id)
	case err == nil:
		err = applySignup(ctx, tx, id, set, held, now)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm subscriber %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return Subscriber{}, err
	}
	return s.ByID(ctx, id)
}

// applySignup makes a reader active with a signup's settings and topics
// (held: a JSON list of queries, parsed when they were held).
func applySignup(ctx context.Context, tx *sql.Tx, id int64, set Settings, held []byte, now int64) error {
	var topics []string
	if err := json.Unmarshal(held, &topics); err != nil {
		return fmt.Errorf("signup topics: %w", err)
	}
	queries, err := ParseTopics(topics)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', frequency = ?, weekday = ?, hour = ?,
		timezone = ?, updated_at = ?, confirmed_at = CASE WHEN confirmed_at = 0 THEN ? ELSE confirmed_at END
		WHERE id = ?`, set.Frequency, int(set.Weekday), set.Hour, set.Timezone, now, now, id); err != nil {
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
	return nil
}
