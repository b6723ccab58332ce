package subscribers

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers/query"
)

// MaxTopics is how many topics one subscriber may have.
const MaxTopics = 25

// Topic is one of a subscriber's queries.
type Topic struct {
	ID           int64
	SubscriberID int64
	Query        string
	CreatedAt    time.Time
}

// Parsed returns the topic's parsed query. Topics are parsed before they are
// stored, so an error here means the stored row was edited by hand.
func (t Topic) Parsed() (*query.Query, error) {
	q, err := query.Parse(t.Query)
	if err != nil {
		return nil, fmt.Errorf("topic %d: %w", t.ID, err)
	}
	return q, nil
}

// ParseTopics parses every non-blank query, naming the one that fails, and
// drops repeats (two spellings of one query are one topic).
func ParseTopics(topics []string) ([]*query.Query, error) {
	var qs []*query.Query
	seen := map[string]bool{}
	for i, t := range topics {
		if strings.TrimSpace(t) == "" {
			continue
		}
		q, err := query.Parse(t)
		if err != nil {
			return nil, fmt.Errorf("topic %d %q: %w", i+1, t, err)
		}
		if !seen[q.String()] {
			seen[q.String()] = true
			qs = append(qs, q)
		}
	}
	if len(qs) > MaxTopics {
		return nil, Invalidf("%d topics: at most %d are allowed", len(qs), MaxTopics)
	}
	return qs, nil
}

// AddTopic parses query and stores it for the subscriber. The canonical form
// of the query is stored, so two spellings of one topic are one topic.
func (s *Store) AddTopic(ctx context.Context, subscriberID int64, text string) (Topic, error) {
	q, err := query.Parse(text)
	if err != nil {
		return Topic{}, fmt.Errorf("topic %q: %w", text, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Topic{}, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM topics WHERE subscriber_id = ?`, subscriberID).Scan(&n); err != nil {
		return Topic{}, err
	}
	if n >= MaxTopics {
		return Topic{}, Invalidf("subscriber %d already has %d topics, the most allowed", subscriberID, n)
	}
	t, err := addTopic(ctx, tx, subscriberID, q, s.now().Unix())
	if err != nil {
		return Topic{}, err
	}
	return t, tx.Commit()
}

func addTopic(ctx context.Context, tx *sql.Tx, subscriberID int64, q *query.Query, now int64) (Topic, error) {
	text := q.String()
	res, err := tx.ExecContext(ctx, `INSERT INTO topics (subscriber_id, query, created_at) VALUES (?, ?, ?)`,
		subscriberID, text, now)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Topic{}, fmt.Errorf("topic %q: %w", text, ErrExists)
		}
		return Topic{}, fmt.Errorf("topic %q: %w", text, err)
	}
	id, err := res.LastInsertId()
	return Topic{ID: id, SubscriberID: subscriberID, Query: text, CreatedAt: time.Unix(now, 0).UTC()}, err
}

// Topics returns a subscriber's topics in the order they were added.
func (s *Store) Topics(ctx context.Context, subscriberID int64) ([]Topic, error) {
	topics, err := s.TopicsOf(ctx, []int64{subscriberID})
	return topics[subscriberID], err
}

// TopicsOf returns the topics of many subscribers, in one query, each
// subscriber's in the order they were added.
func (s *Store) TopicsOf(ctx context.Context, subscriberIDs []int64) (map[int64][]Topic, error) {
	rows, err := s.stmts.QueryJSON(ctx, `SELECT id, subscriber_id, query, created_at FROM topics
		WHERE subscriber_id IN (SELECT value FROM json_each(?)) ORDER BY subscriber_id, id`, subscriberIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	topics := make(map[int64][]Topic, len(subscriberIDs))
	for rows.Next() {
		var (
			t       Topic
			created int64
		)
		if err := rows.Scan(&t.ID, &t.SubscriberID, &t.Query, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = time.Unix(created, 0).UTC()
		topics[t.SubscriberID] = append(topics[t.SubscriberID], t)
	}
	return topics, rows.Err()
}

// RemoveTopic deletes one of a subscriber's topics.
func (s *Store) RemoveTopic(ctx context.Context, subscriberID, topicID int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM topics WHERE id = ? AND subscriber_id = ?`, topicID, subscriberID)
	if err != nil {
		return fmt.Errorf("topic %d: %w", topicID, err)
	}
	return mustAffect(res, fmt.Sprintf("topic %d", topicID))
}

// TopicCount returns how many topics a subscriber has.
func (s *Store) TopicCount(ctx context.Context, subscriberID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM topics WHERE subscriber_id = ?`, subscriberID).Scan(&n)
	return n, err
}
