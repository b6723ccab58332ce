package subscribers_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

func TestAdd(t *testing.T) {
	tests := []struct {
		name          string
		status        subscribers.Status
		topics        []string
		wantTopics    []string
		wantConfirmed bool
	}{
		{"pending", subscribers.StatusPending, []string{"LoRA"}, []string{"lora"}, false},
		{"active", subscribers.StatusActive, nil, nil, true},
		{"repeats and blanks dropped", subscribers.StatusActive,
			[]string{"long-context", "", `"Long Context"`, "cat:cs.CL"}, []string{`"long context"`, "cat:cs.cl"}, true},
	}
	st, _ := digesttest.Subscribers(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := fmt.Sprintf("reader%d@example.org", i)
			sub, err := st.Add(t.Context(), email, tt.status, subscribers.DefaultSettings(), tt.topics)
			if err != nil {
				t.Fatal(err)
			}
			if sub.Email != email || sub.Status != tt.status {
				t.Errorf("got %s %s, want %s %s", sub.Email, sub.Status, email, tt.status)
			}
			if got := !sub.ConfirmedAt.IsZero(); got != tt.wantConfirmed {
				t.Errorf("confirmed_at set: got %v, want %v", got, tt.wantConfirmed)
			}
			if got := digesttest.Topics(t, st, sub.ID); !slices.Equal(got, tt.wantTopics) {
				t.Errorf("topics: got %q, want %q", got, tt.wantTopics)
			}
		})
	}
}

func TestAddRejects(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	def := subscribers.DefaultSettings()
	with := func(f func(*subscribers.Settings)) subscribers.Settings { s := def; f(&s); return s }
	many := make([]string, subscribers.MaxTopics+1)
	for i := range many {
		many[i] = fmt.Sprintf("topic%d", i)
	}
	tests := []struct {
		name, email string
		set         subscribers.Settings
		topics      []string
		wantErr     error
		mention     string
	}{
		{"same address", "ann@example.org", def, nil, subscribers.ErrExists, "ann@example.org"},
		{"address in other case", "ANN@Example.ORG", def, nil, subscribers.ErrExists, "ANN@example.org"},
		{"invalid topic", "bob@example.org", def, []string{"lora", "foo)"}, subscribers.ErrInvalid, "column 4"},
		{"too many topics", "bob@example.org", def, many, subscribers.ErrInvalid, "26 topics"},
		{"hour 24", "bob@example.org", with(func(s *subscribers.Settings) { s.Hour = 24 }), nil, subscribers.ErrInvalid, "hour 24"},
		{"unknown time zone", "bob@example.org", with(func(s *subscribers.Settings) { s.Timezone = "Mars/Olympus" }), nil,
			subscribers.ErrInvalid, `time zone "Mars/Olympus"`},
		{"hourly", "bob@example.org", with(func(s *subscribers.Settings) { s.Frequency = "hourly" }), nil,
			subscribers.ErrInvalid, `frequency "hourly"`},
		{"max papers 4", "bob@example.org", with(func(s *subscribers.Settings) { s.MaxPapers = 4 }), nil,
			subscribers.ErrInvalid, "max papers 4: want 5 to 50"},
		{"max papers 51", "bob@example.org", with(func(s *subscribers.Settings) { s.MaxPapers = 51 }), nil,
			subscribers.ErrInvalid, "max papers 51: want 5 to 50"},
		{"max papers -1", "bob@example.org", with(func(s *subscribers.Settings) { s.MaxPapers = -1 }), nil,
			subscribers.ErrInvalid, "max papers -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.Add(t.Context(), tt.email, subscribers.StatusPending, tt.set, tt.topics)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(fmt.Sprint(err), tt.mention) {
				t.Errorf("got error %v, want %v naming %q", err, tt.wantErr, tt.mention)
			}
			if n := digesttest.Count(t, db, `SELECT count(*) FROM subscribers`); n != 1 {
				t.Errorf("subscribers: got %d, want 1", n)
			}
			if n := digesttest.Count(t, db, `SELECT count(*) FROM topics`); n != 0 {
				t.Errorf("topics: got %d, want 0", n)
			}
		})
	}
}

func TestList(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	var ids []int64
	for i, status := range []subscribers.Status{"active", "pending", "active", "paused", "active"} {
		ids = append(ids, digesttest.AddReader(t, st, fmt.Sprintf("r%d@example.org", i), status).ID)
	}
	tests := []struct {
		name string
		opt  subscribers.ListOptions
		want []int64
	}{
		{"everyone", subscribers.ListOptions{}, ids},
		{"first page", subscribers.ListOptions{Limit: 2}, ids[:2]},
		{"second page", subscribers.ListOptions{AfterID: ids[1], Limit: 2}, ids[2:4]},
		{"last page", subscribers.ListOptions{AfterID: ids[3], Limit: 2}, ids[4:]},
		{"past the end", subscribers.ListOptions{AfterID: ids[4]}, nil},
		{"active only", subscribers.ListOptions{Status: subscribers.StatusActive}, []int64{ids[0], ids[2], ids[4]}},
		{"active page", subscribers.ListOptions{Status: subscribers.StatusActive, AfterID: ids[0], Limit: 1}, ids[2:3]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := st.List(t.Context(), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, s := range list {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetStatus(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusPending)
	tests := []struct {
		name    string
		id      int64
		status  subscribers.Status
		wantErr error
	}{
		{"confirm", sub.ID, subscribers.StatusActive, nil},
		{"pause", sub.ID, subscribers.StatusPaused, nil},
		{"unknown status", sub.ID, "gone", subscribers.ErrInvalid},
		{"unknown subscriber", sub.ID + 1, subscribers.StatusActive, subscribers.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := st.SetStatus(t.Context(), tt.id, tt.status); !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			got, err := st.ByID(t.Context(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || got.ConfirmedAt.IsZero() {
				t.Errorf("got %s confirmed %v, want %s with confirmed_at set", got.Status, got.ConfirmedAt, tt.status)
			}
		})
	}
}

func TestUpdateSettings(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive)
	want := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Friday, Hour: 18,
		Timezone: "Asia/Tokyo", MaxPapers: 12}
	if err := st.UpdateSettings(t.Context(), sub.ID, want); err != nil {
		t.Fatal(err)
	}
	bad := want
	bad.Hour = 24
	if err := st.UpdateSettings(t.Context(), sub.ID, bad); !errors.Is(err, subscribers.ErrInvalid) {
		t.Errorf("hour 24: got error %v, want ErrInvalid", err)
	}
	if err := st.UpdateSettings(t.Context(), sub.ID+1, want); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("unknown subscriber: got error %v, want ErrNotFound", err)
	}
	got, err := st.ByID(t.Context(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g := (subscribers.Settings{Frequency: got.Frequency, Weekday: got.Weekday, Hour: got.Hour,
		Timezone: got.Timezone, MaxPapers: got.MaxPapers}); g != want {
		t.Errorf("got %+v, want %+v", g, want)
	}
}

func TestRemoveCascades(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	ann := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusActive, "lora", "rag")
	bob := digesttest.AddReader(t, st, "bob@example.org", subscribers.StatusActive, "lora")
	for _, id := range []int64{ann.ID, bob.ID} {
		for _, kind := range []subscribers.TokenKind{subscribers.TokenConfirm, subscribers.TokenManage} {
			if _, err := st.NewToken(t.Context(), id, kind); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Remove(t.Context(), "ANN@example.org"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	tests := []struct {
		name  string
		query string
		id    int64
		want  int
	}{
		{"subscriber gone", `SELECT count(*) FROM subscribers WHERE id = ?`, ann.ID, 0},
		{"topics gone", `SELECT count(*) FROM topics WHERE subscriber_id = ?`, ann.ID, 0},
		{"tokens gone", `SELECT count(*) FROM tokens WHERE subscriber_id = ?`, ann.ID, 0},
		{"other subscriber kept", `SELECT count(*) FROM subscribers WHERE id = ?`, bob.ID, 1},
		{"other topics kept", `SELECT count(*) FROM topics WHERE subscriber_id = ?`, bob.ID, 1},
		{"other tokens kept", `SELECT count(*) FROM tokens WHERE subscriber_id = ?`, bob.ID, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := digesttest.Count(t, db, tt.query, tt.id); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
	if err := st.Remove(t.Context(), "ann@example.org"); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("second Remove: got error %v, want ErrNotFound", err)
	}
}
