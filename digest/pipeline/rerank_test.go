package pipeline_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// TestVotesOrderTheDigestWithinTopics: the next digest of a reader who
// voted for papers about agents and against papers about images and video
// differs from an identical reader's who did not, in the direction of the
// votes, and holds only papers their topic matches; the reader who did not
// vote gets exactly the topics' order.
func TestVotesOrderTheDigestWithinTopics(t *testing.T) {
	ctx := context.Background()
	store, db := digesttest.Open(t)
	var before, today []digest.Paper
	for _, p := range digesttest.Papers(t, "hf_daily_papers_merged_14days_245items.json") {
		if p.FeaturedOn.Before(time.Date(2026, 7, 22, 0, 0, 0, 0, time.UTC)) {
			before = append(before, p)
		} else {
			today = append(today, p)
		}
	}
	digesttest.Save(t, store, before)
	// Yesterday's papers, the ones voted on, arrived two days ago.
	if _, err := db.Exec(`UPDATE papers SET arrived_at = arrived_at - 2*86400`); err != nil {
		t.Fatal(err)
	}
	digesttest.Save(t, store, today)
	subs := subscribers.NewStore(db)
	set := subscribers.DefaultSettings()
	set.MaxPapers = 5
	add := func(email string) subscribers.Subscriber {
		sub, err := subs.Add(ctx, email, subscribers.StatusActive, set, []string{"model*"})
		if err != nil {
			t.Fatal(err)
		}
		return sub
	}
	voter, other := add("voter@example.org"), add("other@example.org")
	about := func(p digest.Paper, words ...string) bool {
		title := strings.ToLower(p.Title)
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(title, w) })
	}
	ups, downs := 0, 0
	for _, p := range before {
		switch {
		case about(p, "agent") && ups < 8:
			ups++
			if err := subs.Vote(ctx, voter.ID, p.ID, true); err != nil {
				t.Fatal(err)
			}
		case about(p, "image", "video") && downs < 8:
			downs++
			if err := subs.Vote(ctx, voter.ID, p.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ups < 8 || downs < 8 {
		t.Fatalf("the fixture gave %d up- and %d down-votes, want 8 each", ups, downs)
	}
	now := time.Now()
	trainer := &pipeline.Trainer{Store: store, Subscribers: subs}
	build := func(b *pipeline.Builder, sub subscribers.Subscriber) []digest.Item {
		d, err := b.Build(ctx, sub, "2026-07-28", now)
		if err != nil {
			t.Fatal(err)
		}
		return d.Items
	}
	learning := &pipeline.Builder{Store: store, Subscribers: subs, Trainer: trainer}
	plain := &pipeline.Builder{Store: store, Subscribers: subs}
	voted, unvoted, topicsOnly := build(learning, voter), build(learning, other), build(plain, other)
	ids := func(items []digest.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Paper.ID)
		}
		return out
	}
	if !slices.Equal(ids(unvoted), ids(topicsOnly)) {
		t.Errorf("a reader without votes: got %v, want the topics' order %v", ids(unvoted), ids(topicsOnly))
	}
	if slices.Equal(ids(voted), ids(unvoted)) {
		t.Fatalf("the voter's digest %v is the same as the other reader's", ids(voted))
	}
	count := func(items []digest.Item, words ...string) int {
		n := 0
		for _, it := range items {
			if about(*it.Paper, words...) {
				n++
			}
		}
		return n
	}
	if a, b := count(voted, "agent"), count(unvoted, "agent"); a <= b {
		t.Errorf("papers about agents: the voter got %d, the other reader %d; want more", a, b)
	}
	if a, b := count(voted, "image", "video"), count(unvoted, "image", "video"); a > b {
		t.Errorf("papers about images or video: the voter got %d, the other reader %d; want no more", a, b)
	}
	// Every paper of the voter's is one their topic matches among today's.
	set.MaxPapers = 50
	if err := subs.UpdateSettings(ctx, other.ID, set); err != nil {
		t.Fatal(err)
	}
	other.MaxPapers = 50
	matched := ids(build(plain, other))
	for _, it := range voted {
		if !slices.Contains(matched, it.Paper.ID) {
			t.Errorf("the voter got %s, which their topic does not match today", it.Paper.ID)
		}
	}
	liked := 0
	for _, it := range voted {
		if it.Like != "" {
			liked++
		}
	}
	if liked == 0 {
		t.Error("no paper the votes raised says which liked paper it is like")
	}
	t.Logf("voter %v, other %v", ids(voted), ids(unvoted))
}
