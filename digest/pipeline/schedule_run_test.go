package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/pipeline"
	"github.com/digestd/digestd/subscribers"
)

// delivery is one message the relay got, and when on the fake clock.
type delivery struct {
	to string
	at time.Time
}

// clockRun steps the pipeline's clock from..to by step, saving a new paper
// at each local midnight of loc and running a pass at every step, as the
// scheduler of `digestd serve` would. It returns what was delivered when.
func clockRun(t *testing.T, p *harness, relay *smtptest.Server, loc *time.Location, from, to time.Time, step time.Duration) []delivery {
	t.Helper()
	r := p.runner(t, sender(t, relay.Port()))
	var got []delivery
	n := 0
	for p.now = from; p.now.Before(to); p.now = p.now.Add(step) {
		if l := p.now.In(loc); l.Hour() == 0 && l.Minute() == 0 {
			n++
			digesttest.Save(t, p.store, []digest.Paper{newPaper(n)})
		}
		before := len(relay.Messages())
		run(t, r, pipeline.RunOptions{})
		if p.now.Equal(from) {
			continue // catching up on the hours before the test
		}
		for _, m := range relay.Messages()[before:] {
			got = append(got, delivery{m.To[0], p.now})
		}
	}
	return got
}

// TestRunAcrossDST runs passes every 30 minutes over four days around each
// DST change of New York and Berlin. Daily readers get one digest per local
// day at their hour — or, on the day the hour does not exist, when the
// clocks jump past it; on the day it happens twice, once — and a weekly
// Sunday reader gets one, on the Sunday of the change.
func TestRunAcrossDST(t *testing.T) {
	tests := []struct {
		name, zone, from string
	}{
		{"new york spring forward", "America/New_York", "2026-03-06T12:00:00Z"},
		{"new york fall back", "America/New_York", "2026-10-30T12:00:00Z"},
		{"berlin spring forward", "Europe/Berlin", "2026-03-27T12:00:00Z"},
		{"berlin fall back", "Europe/Berlin", "2026-10-23T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			p := newPipeline(t)
			hours := map[string]int{"h7@example.org": 7, "h2@example.org": 2, "h1@example.org": 1}
			for email, h := range hours {
				p.add(t, email, subscribers.StatusActive, subscribers.Settings{Frequency: subscribers.Daily, Hour: h, Timezone: tt.zone})
			}
			p.add(t, "weekly@example.org", subscribers.StatusActive,
				subscribers.Settings{Frequency: subscribers.Weekly, Weekday: time.Sunday, Hour: 7, Timezone: tt.zone})
			relay := smtptest.Start(t)
			from, _ := time.Parse(time.RFC3339, tt.from)
			got := clockRun(t, p, relay, loc, from, from.Add(4*24*time.Hour), 30*time.Minute)

			days := map[string]map[string]bool{} // reader -> local dates
			for _, d := range got {
				local := d.at.In(loc)
				date := local.Format(time.DateOnly)
				if days[d.to] == nil {
					days[d.to] = map[string]bool{}
				}
				if days[d.to][date] {
					t.Errorf("%s: got a second digest on %s (at %s), want one a day", d.to, date, local)
				}
				days[d.to][date] = true
				want := 7
				if h, ok := hours[d.to]; ok {
					want = h
				}
				if exists := time.Date(local.Year(), local.Month(), local.Day(), want, 0, 0, 0, loc).Hour() == want; !exists {
					want++ // the hour is skipped that day: clocks jump to the next
				}
				if local.Hour() != want || local.Minute() != 0 {
					t.Errorf("%s: got a digest at %s, want it at %02d:00", d.to, local.Format("2006-01-02 15:04 MST"), want)
				}
				if d.to == "weekly@example.org" && local.Weekday() != time.Sunday {
					t.Errorf("weekly reader: got a digest on %s, want Sunday", local.Weekday())
				}
			}
			// The three whole local days after the start hold the change.
			for i := 1; i <= 3; i++ {
				date := from.In(loc).AddDate(0, 0, i).Format(time.DateOnly)
				for email := range hours {
					if !days[email][date] {
						t.Errorf("%s: got no digest on %s, want one", email, date)
					}
				}
			}
			if len(days["weekly@example.org"]) != 1 {
				t.Errorf("weekly reader: got digests on %v, want one Sunday", days["weekly@example.org"])
			}
		})
	}
}

// TestRunCatchUpAfterDowntime: a reader whose hour passed while digestd was
// down gets one digest when it is back, with everything new, not one per
// missed day.
func TestRunCatchUpAfterDowntime(t *testing.T) {
	p := newPipeline(t)
	sub := p.add(t, "ada@example.org", subscribers.StatusActive,
		subscribers.Settings{Frequency: subscribers.Daily, Hour: 7, Timezone: "Europe/Berlin"})
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	at := func(s string) time.Time { t.Helper(); v, _ := time.Parse(time.RFC3339, s); return v }

	p.now = at("2026-07-14T05:00:00Z") // 07:00 in Berlin
	run(t, r, pipeline.RunOptions{})
	// Down from Tuesday to Friday afternoon while three days of papers came.
	digesttest.Save(t, p.store, []digest.Paper{newPaper(1), newPaper(2), newPaper(3)})
	p.now = at("2026-07-17T14:00:00Z")
	if res := run(t, r, pipeline.RunOptions{}); res.Sent != 1 {
		t.Errorf("back after three days: got %+v, want 1 sent", res)
	}
	if got := digesttest.Count(t, p.db, `SELECT papers FROM digests WHERE period = '2026-07-17'`); got != 3 {
		t.Errorf("catch-up digest: got %d papers, want the 3 of the days missed", got)
	}
	// Down over Saturday's hour only, back the next morning before the hour.
	digesttest.Save(t, p.store, []digest.Paper{newPaper(4)})
	p.now = at("2026-07-19T04:30:00Z")
	run(t, r, pipeline.RunOptions{})
	p.now = at("2026-07-19T05:00:00Z")
	run(t, r, pipeline.RunOptions{})
	var periods string
	if err := p.db.QueryRow(`SELECT group_concat(period, ' ') FROM digests WHERE subscriber_id = ? ORDER BY id`, sub.ID).Scan(&periods); err != nil {
		t.Fatal(err)
	}
	if periods != "2026-07-14 2026-07-17 2026-07-18" {
		t.Errorf("got digests for %s, want 2026-07-14 2026-07-17 2026-07-18", periods)
	}
	if got := len(relay.Messages()); got != 3 {
		t.Errorf("got %d messages, want 3", got)
	}
}

// TestRunEmptyDay: on a day with no new papers (a weekend) a due reader
// gets nothing, the pass is no failure, and the next day's papers go out.
func TestRunEmptyDay(t *testing.T) {
	p := newPipeline(t)
	p.add(t, "ada@example.org", subscribers.StatusActive, subscribers.DefaultSettings())
	relay := smtptest.Start(t)
	r := p.runner(t, sender(t, relay.Port()))
	steps := []struct {
		now   string
		save  bool
		want  pipeline.RunResult
		total int
	}{
		{"2026-07-14T07:00:00Z", false, pipeline.RunResult{Due: 1, Built: 1, Sent: 1}, 1},
		{"2026-07-15T07:00:00Z", false, pipeline.RunResult{Due: 1, Empty: 1}, 1},
		{"2026-07-15T08:00:00Z", false, pipeline.RunResult{Due: 1, Empty: 1}, 1},
		{"2026-07-16T07:00:00Z", true, pipeline.RunResult{Due: 1, Built: 1, Sent: 1}, 2},
	}
	for _, st := range steps {
		if st.save {
			digesttest.Save(t, p.store, []digest.Paper{newPaper(1)})
		}
		p.now, _ = time.Parse(time.RFC3339, st.now)
		res, err := r.Run(context.Background(), pipeline.RunOptions{})
		if err != nil || res != st.want || len(relay.Messages()) != st.total {
			t.Errorf("%s: got %+v (%v), %d messages; want %+v, %d", st.now, res, err, len(relay.Messages()), st.want, st.total)
		}
	}
	if got := digesttest.Count(t, p.db, `SELECT count(*) FROM runs WHERE kind = 'deliver' AND error = '' AND finished_at > 0`); got != 4 {
		t.Errorf("got %d passes recorded without error, want 4", got)
	}
	if got := fmt.Sprint(digesttest.Count(t, p.db, `SELECT count(*) FROM digests`)); got != "2" {
		t.Errorf("got %s digests, want 2: none for the empty day", got)
	}
}
