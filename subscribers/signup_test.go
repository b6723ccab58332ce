package subscribers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// stored is what a test compares of a reader before and after: status,
// settings and topics.
type stored struct {
	Status   subscribers.Status
	Settings subscribers.Settings
	Topics   []string
}

func storedOf(t *testing.T, st *subscribers.Store, id int64) stored {
	t.Helper()
	sub, err := st.ByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return stored{sub.Status, sub.Settings(), digesttest.Topics(t, st, id)}
}

func (s stored) equal(o stored) bool {
	return s.Status == o.Status && s.Settings == o.Settings && slices.Equal(s.Topics, o.Topics)
}

// TestSignUpChangesNothingUntilConfirmed posts the subscribe form's
// settings for an address in each state: what is stored stays as it was
// (a new address is only pending), the page the link opens shows what was
// asked, and only Confirm applies it.
func TestSignUpChangesNothingUntilConfirmed(t *testing.T) {
	paris := subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Friday, Hour: 9, Timezone: "Europe/Paris"}
	own := subscribers.Settings{Frequency: subscribers.Daily, Weekday: time.Monday, Hour: 7, Timezone: "UTC", MaxPapers: 10}
	tests := []struct {
		name   string
		before subscribers.Status // "" for an address never seen
	}{
		{"new address", ""},
		{"pending", subscribers.StatusPending},
		{"active", subscribers.StatusActive},
		{"paused", subscribers.StatusPaused},
		{"unsubscribed", subscribers.StatusUnsubscribed},
		{"bounced", subscribers.StatusBounced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, db := digesttest.Subscribers(t)
			const email = "ann@example.org"
			wantBefore := stored{Status: subscribers.StatusPending, Settings: paris}
			if tt.before != "" {
				if _, err := st.Add(t.Context(), email, tt.before, own, []string{"rag"}); err != nil {
					t.Fatal(err)
				}
				wantBefore = stored{tt.before, own, []string{"rag"}}
			}
			su, err := st.SignUp(t.Context(), "Ann@Example.org", paris, []string{"LoRA", "long-context", "lora"})
			if err != nil {
				t.Fatal(err)
			}
			if su.Token == "" {
				t.Fatal("got no confirmation token, want one")
			}
			if got := storedOf(t, st, su.Subscriber.ID); !got.equal(wantBefore) {
				t.Errorf("stored after the form: got %+v, want %+v", got, wantBefore)
			}
			wantTopics := []string{"lora", `"long context"`}
			shown, err := st.SignupByToken(t.Context(), su.Token)
			if err != nil {
				t.Fatal(err)
			}
			wantShown := paris
			wantShown.MaxPapers = wantBefore.Settings.MaxPapers
			if !strings.EqualFold(shown.Subscriber.Email, email) || shown.Settings != wantShown || !slices.Equal(shown.Topics, wantTopics) {
				t.Errorf("confirmation page: got %s %+v %q, want %s %+v %q", shown.Subscriber.Email, shown.Settings, shown.Topics,
					email, wantShown, wantTopics)
			}
			if got := storedOf(t, st, su.Subscriber.ID); !got.equal(wantBefore) {
				t.Errorf("stored after the page: got %+v, want %+v", got, wantBefore)
			}

			if _, err := st.Confirm(t.Context(), su.Token); err != nil {
				t.Fatal(err)
			}
			want := stored{subscribers.StatusActive, wantShown, wantTopics}
			if got := storedOf(t, st, su.Subscriber.ID); !got.equal(want) {
				t.Errorf("stored after confirming: got %+v, want %+v", got, want)
			}
			if n := digesttest.Count(t, db, `SELECT count(*) FROM signups`); n != 0 {
				t.Errorf("signups left after confirming: got %d, want 0", n)
			}
		})
	}
}

// TestSignUpMailsAnAddressRarely: a confirmation at most every ten
// minutes and five a day to one address; a throttled post holds nothing.
func TestSignUpMailsAnAddressRarely(t *testing.T) {
	tests := []struct {
		name      string
		sentAgo   []time.Duration // confirmation tokens this old
		wantToken bool
	}{
		{"never mailed", nil, true},
		{"mailed eleven minutes ago", []time.Duration{11 * time.Minute}, true},
		{"mailed nine minutes ago", []time.Duration{9 * time.Minute}, false},
		{"mailed four times today", []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour}, true},
		{"mailed five times today", []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour}, false},
		{"mailed five times yesterday", []time.Duration{25 * time.Hour, 26 * time.Hour, 27 * time.Hour, 28 * time.Hour, 29 * time.Hour}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, db := digesttest.Subscribers(t)
			sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusPending)
			for _, ago := range tt.sentAgo {
				text, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenConfirm)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(t.Context(), `UPDATE tokens SET created_at = created_at - ? WHERE hash = ?`,
					int64(ago.Seconds()), digesttest.TokenKey(text)); err != nil {
					t.Fatal(err)
				}
			}
			su, err := st.SignUp(t.Context(), "ann@example.org", subscribers.DefaultSettings(), []string{"rag"})
			if err != nil {
				t.Fatal(err)
			}
			if got := su.Token != ""; got != tt.wantToken {
				t.Errorf("token minted: got %v, want %v", got, tt.wantToken)
			}
			held := 0
			if tt.wantToken {
				held = 1
			}
			if n := digesttest.Count(t, db, `SELECT count(*) FROM signups`); n != held {
				t.Errorf("signups held: got %d, want %d", n, held)
			}
		})
	}
}

func TestSignUpRejects(t *testing.T) {
	st, db := digesttest.Subscribers(t)
	def := subscribers.DefaultSettings()
	mars := def
	mars.Timezone = "Mars/Olympus"
	tests := []struct {
		name, email string
		set         subscribers.Settings
		topics      []string
	}{
		{"bad address", "ann at example.org", def, nil},
		{"bad topic", "ann@example.org", def, []string{"rag", "foo)"}},
		{"bad time zone", "ann@example.org", mars, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := st.SignUp(t.Context(), tt.email, tt.set, tt.topics); !errors.Is(err, subscribers.ErrInvalid) {
				t.Errorf("got error %v, want ErrInvalid", err)
			}
		})
	}
	if n := digesttest.Count(t, db, `SELECT (SELECT count(*) FROM subscribers) + (SELECT count(*) FROM tokens)`); n != 0 {
		t.Errorf("rows stored: got %d, want 0", n)
	}
}

// TestConfirmWithoutSignup: the link `digestd subscribers add` mails holds
// no signup; its page shows what is stored, and confirming keeps it.
func TestConfirmWithoutSignup(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	sub := digesttest.AddReader(t, st, "ann@example.org", subscribers.StatusPending, "rag", "agents")
	text, err := st.NewToken(t.Context(), sub.ID, subscribers.TokenConfirm)
	if err != nil {
		t.Fatal(err)
	}
	su, err := st.SignupByToken(t.Context(), text)
	if err != nil {
		t.Fatal(err)
	}
	if su.Settings != subscribers.DefaultSettings() || !slices.Equal(su.Topics, []string{"rag", "agents"}) {
		t.Errorf("page: got %+v %q, want the defaults and [rag agents]", su.Settings, su.Topics)
	}
	if _, err := st.Confirm(t.Context(), text); err != nil {
		t.Fatal(err)
	}
	want := stored{subscribers.StatusActive, subscribers.DefaultSettings(), []string{"rag", "agents"}}
	if got := storedOf(t, st, sub.ID); !got.equal(want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := st.SignupByToken(t.Context(), text); !errors.Is(err, subscribers.ErrNotFound) {
		t.Errorf("page of a used link: got error %v, want ErrNotFound", err)
	}
}
