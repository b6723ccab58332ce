package subscribers_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

func TestAddTopic(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive, `"long context" LoRA`)
	tests := []struct {
		name, query string
		want        string // stored form; "" when the topic is refused
		wantErr     error
	}{
		{"new topic", "Quantiz*", "quantiz*", nil},
		{"same spelling", `"long context" LoRA`, "", subscribers.ErrExists},
		{"other spelling", `long-context lora`, "", subscribers.ErrExists},
		{"other spelling of new", "QUANTIZ*", "", subscribers.ErrExists},
		{"unparsable", "(rag", "", subscribers.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := st.AddTopic(t.Context(), sub.ID, tt.query)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AddTopic(%q): got error %v, want %v", tt.query, err, tt.wantErr)
			}
			if tp.Query != tt.want {
				t.Errorf("AddTopic(%q): got %q, want %q", tt.query, tp.Query, tt.want)
			}
		})
	}
	want := []string{`"long context" lora`, "quantiz*"}
	if got := digesttest.Topics(t, st, sub.ID); !slices.Equal(got, want) {
		t.Errorf("topics: got %q, want %q", got, want)
	}
}

func TestAddTopicLimit(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	for i := range subscribers.MaxTopics {
		if _, err := st.AddTopic(t.Context(), sub.ID, fmt.Sprintf("topic%d", i)); err != nil {
			t.Fatalf("topic %d: %v", i+1, err)
		}
	}
	if _, err := st.AddTopic(t.Context(), sub.ID, "one more"); !errors.Is(err, subscribers.ErrInvalid) {
		t.Errorf("topic %d: got error %v, want ErrInvalid", subscribers.MaxTopics+1, err)
	}
	if n, err := st.TopicCount(t.Context(), sub.ID); err != nil || n != subscribers.MaxTopics {
		t.Errorf("got %d topics (%v), want %d", n, err, subscribers.MaxTopics)
	}
}

func TestRemoveTopic(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	ann := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive, "lora")
	bob := digesttest.AddReader(t, st, "bob@example.org", subscribers.StatusActive, "rag")
	bobTopic, err := st.Topics(t.Context(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	annTopic, err := st.Topics(t.Context(), ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		owner, topicID int64
		wantErr        error
	}{
		{"another subscriber's topic", ann.ID, bobTopic[0].ID, subscribers.ErrNotFound},
		{"unknown topic", ann.ID, bobTopic[0].ID + 100, subscribers.ErrNotFound},
		{"own topic", ann.ID, annTopic[0].ID, nil},
		{"own topic again", ann.ID, annTopic[0].ID, subscribers.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := st.RemoveTopic(t.Context(), tt.owner, tt.topicID); !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
		})
	}
	if got := digesttest.Topics(t, st, bob.ID); !slices.Equal(got, []string{"rag"}) {
		t.Errorf("bob's topics: got %q, want [rag]", got)
	}
}

func TestUpdate(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive, "lora", "rag")
	weekly := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: 5, Hour: 6, Timezone: "Europe/Berlin"}
	tests := []struct {
		name       string
		set        subscribers.Settings
		topics     []string
		status     subscribers.Status
		wantErr    error
		wantTopics []string
		wantStatus subscribers.Status
		wantSet    subscribers.Settings
	}{
		{"replace topics and settings", weekly, []string{"Quantiz*", "rag"}, subscribers.StatusPaused, nil,
			[]string{"quantiz*", "rag"}, subscribers.StatusPaused, weekly},
		{"invalid topic changes nothing", subscribers.DefaultSettings(), []string{"lora", "foo)"}, subscribers.StatusActive,
			subscribers.ErrInvalid, []string{"quantiz*", "rag"}, subscribers.StatusPaused, weekly},
		{"invalid settings change nothing", subscribers.Settings{Frequency: "hourly", Timezone: "UTC"}, nil,
			subscribers.StatusActive, subscribers.ErrInvalid, []string{"quantiz*", "rag"}, subscribers.StatusPaused, weekly},
		{"no topics", subscribers.DefaultSettings(), nil, subscribers.StatusActive, nil,
			nil, subscribers.StatusActive, subscribers.DefaultSettings()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := st.Update(t.Context(), sub.ID, tt.set, tt.topics, tt.status); !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			got, err := st.ByID(t.Context(), sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			set := subscribers.Settings{Frequency: got.Frequency, Weekday: got.Weekday, Hour: got.Hour,
				Timezone: got.Timezone, MaxPapers: got.MaxPapers}
			if got.Status != tt.wantStatus || set != tt.wantSet {
				t.Errorf("got %s %+v, want %s %+v", got.Status, set, tt.wantStatus, tt.wantSet)
			}
			if topics := digesttest.Topics(t, st, sub.ID); !slices.Equal(topics, tt.wantTopics) {
				t.Errorf("topics: got %q, want %q", topics, tt.wantTopics)
			}
		})
	}
}
