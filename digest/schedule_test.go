package digest

import (
	"testing"
	"time"

	"github.com/digestd/digestd/subscribers"
)

func reader(tz string, hour int, freq subscribers.Frequency, weekday time.Weekday) subscribers.Subscriber {
	return subscribers.Subscriber{ID: 1, Timezone: tz, Hour: hour, Frequency: freq, Weekday: weekday}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLastSlot(t *testing.T) {
	ny := reader("America/New_York", 7, subscribers.Daily, 0)
	tests := []struct {
		name       string
		sub        subscribers.Subscriber
		now        string
		wantSlot   string
		wantPeriod string
	}{
		{"new york before spring forward", ny, "2026-03-07T15:00:00Z", "2026-03-07T12:00:00Z", "2026-03-07"},
		{"new york 06:30 EDT is still yesterday", ny, "2026-03-08T10:30:00Z", "2026-03-07T12:00:00Z", "2026-03-07"},
		{"new york after spring forward", ny, "2026-03-08T11:00:00Z", "2026-03-08T11:00:00Z", "2026-03-08"},
		{"new york before fall back", ny, "2026-10-31T15:00:00Z", "2026-10-31T11:00:00Z", "2026-10-31"},
		{"new york 06:59 EST is still yesterday", ny, "2026-11-01T11:59:59Z", "2026-10-31T11:00:00Z", "2026-10-31"},
		{"new york after fall back", ny, "2026-11-01T12:00:00Z", "2026-11-01T12:00:00Z", "2026-11-01"},
		{"new york hour 2 skipped: when clocks jump", reader("America/New_York", 2, subscribers.Daily, 0), "2026-03-08T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08"},
		{"new york 01:59 EST before the gap", reader("America/New_York", 2, subscribers.Daily, 0), "2026-03-08T06:59:00Z", "2026-03-07T07:00:00Z", "2026-03-07"},
		{"berlin after spring forward", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-03-29T05:00:00Z", "2026-03-29T05:00:00Z", "2026-03-29"},
		{"berlin 06:59 CEST is still yesterday", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-03-29T04:59:59Z", "2026-03-28T06:00:00Z", "2026-03-28"},
		{"berlin 06:30 CET after fall back", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-10-25T05:30:00Z", "2026-10-24T05:00:00Z", "2026-10-24"},
		{"berlin after fall back", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-10-25T06:00:00Z", "2026-10-25T06:00:00Z", "2026-10-25"},
		{"berlin hour 2 skipped: when clocks jump", reader("Europe/Berlin", 2, subscribers.Daily, 0), "2026-03-29T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29"},
		{"kathmandu at the slot", reader("Asia/Kathmandu", 7, subscribers.Daily, 0), "2026-07-13T01:15:00Z", "2026-07-13T01:15:00Z", "2026-07-13"},
		{"kathmandu a minute early", reader("Asia/Kathmandu", 7, subscribers.Daily, 0), "2026-07-13T01:14:00Z", "2026-07-12T01:15:00Z", "2026-07-12"},
		{"chatham local date ahead of utc", reader("Pacific/Chatham", 7, subscribers.Daily, 0), "2026-07-12T18:15:00Z", "2026-07-12T18:15:00Z", "2026-07-13"},
		{"chatham summer time", reader("Pacific/Chatham", 7, subscribers.Daily, 0), "2026-09-26T20:00:00Z", "2026-09-26T17:15:00Z", "2026-09-27"},
		{"utc hour 0 at midnight", reader("UTC", 0, subscribers.Daily, 0), "2026-07-13T00:00:00Z", "2026-07-13T00:00:00Z", "2026-07-13"},
		{"utc hour 0 just before", reader("UTC", 0, subscribers.Daily, 0), "2026-07-12T23:59:59Z", "2026-07-12T00:00:00Z", "2026-07-12"},
		// Chile skips 00:00–01:00 on 6 Sep 2026: that day's slot is when its clocks start.
		{"santiago hour 0 on a day without midnight", reader("America/Santiago", 0, subscribers.Daily, 0), "2026-09-06T05:00:00Z", "2026-09-06T04:00:00Z", "2026-09-06"},
		{"santiago hour 0 after fall back", reader("America/Santiago", 0, subscribers.Daily, 0), "2026-04-05T05:00:00Z", "2026-04-05T04:00:00Z", "2026-04-05"},
		{"weekly monday mid-week", reader("UTC", 7, subscribers.Weekly, time.Monday), "2026-11-25T10:00:00Z", "2026-11-23T07:00:00Z", "2026-W48"},
		{"weekly monday a second early", reader("UTC", 7, subscribers.Weekly, time.Monday), "2026-11-23T06:59:59Z", "2026-11-16T07:00:00Z", "2026-W47"},
		{"weekly sunday without midnight", reader("America/Santiago", 0, subscribers.Weekly, time.Sunday), "2026-09-06T05:00:00Z", "2026-09-06T04:00:00Z", "2026-W36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slot, period := LastSlot(tt.sub, utc(tt.now))
			if !slot.Equal(utc(tt.wantSlot)) || period != tt.wantPeriod {
				t.Errorf("LastSlot(%s) = %s, %s; want %s, %s", tt.now, slot.UTC().Format(time.RFC3339), period, tt.wantSlot, tt.wantPeriod)
			}
		})
	}
}

// TestLastSlotOnePerDay sweeps days around DST changes and checks that a
// daily reader has exactly one slot per local day, at their hour when the day
// has it, and that each slot's period is that day.
func TestLastSlotOnePerDay(t *testing.T) {
	tests := []struct {
		name     string
		sub      subscribers.Subscriber
		from, to string
	}{
		{"new york spring", reader("America/New_York", 7, subscribers.Daily, 0), "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"},
		{"new york fall", reader("America/New_York", 7, subscribers.Daily, 0), "2026-10-29T00:00:00Z", "2026-11-05T00:00:00Z"},
		{"new york hour 2 spring", reader("America/New_York", 2, subscribers.Daily, 0), "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"},
		{"kathmandu", reader("Asia/Kathmandu", 7, subscribers.Daily, 0), "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"},
		{"chatham spring", reader("Pacific/Chatham", 3, subscribers.Daily, 0), "2026-09-24T00:00:00Z", "2026-10-01T00:00:00Z"},
		{"chatham fall", reader("Pacific/Chatham", 3, subscribers.Daily, 0), "2026-04-02T00:00:00Z", "2026-04-09T00:00:00Z"},
		{"santiago hour 0 spring", reader("America/Santiago", 0, subscribers.Daily, 0), "2026-09-03T00:00:00Z", "2026-09-10T00:00:00Z"},
		{"santiago hour 0 fall", reader("America/Santiago", 0, subscribers.Daily, 0), "2026-04-02T00:00:00Z", "2026-04-09T00:00:00Z"},
		{"berlin spring", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-03-26T00:00:00Z", "2026-04-02T00:00:00Z"},
		{"berlin fall", reader("Europe/Berlin", 7, subscribers.Daily, 0), "2026-10-22T00:00:00Z", "2026-10-29T00:00:00Z"},
		{"berlin hour 2 spring", reader("Europe/Berlin", 2, subscribers.Daily, 0), "2026-03-26T00:00:00Z", "2026-04-02T00:00:00Z"},
		{"havana hour 0 spring", reader("America/Havana", 0, subscribers.Daily, 0), "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"},
		{"utc hour 0", reader("UTC", 0, subscribers.Daily, 0), "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := tt.sub.Location()
			slots := map[string]time.Time{}
			for now := utc(tt.from); now.Before(utc(tt.to)); now = now.Add(10 * time.Minute) {
				slot, period := LastSlot(tt.sub, now)
				if slot.After(now) {
					t.Fatalf("now %s: got slot %s, want one at or before now", now, slot)
				}
				if prev, ok := slots[period]; ok && !prev.Equal(slot) {
					t.Fatalf("period %s: got slots %s and %s, want one", period, prev, slot)
				}
				slots[period] = slot
				local := slot.In(loc)
				if got := local.Format(time.DateOnly); got != period {
					t.Errorf("slot %s: got period %s, want its local date %s", local, period, got)
				}
				if local.Hour() != tt.sub.Hour && !skipped(loc, local, tt.sub.Hour) {
					t.Errorf("slot %s: got hour %d, want %d", local, local.Hour(), tt.sub.Hour)
				}
			}
			// Every local day from the first slot on has its slot.
			first := firstSlotDay(t, tt.sub, utc(tt.from))
			for d := first; d.Before(utc(tt.to).In(loc).AddDate(0, 0, -1)); d = d.AddDate(0, 0, 1) {
				if _, ok := slots[d.Format(time.DateOnly)]; !ok {
					t.Errorf("got no slot on %s, want one", d.Format(time.DateOnly))
				}
			}
		})
	}
}

// skipped reports whether hour does not exist on local's day in loc.
func skipped(loc *time.Location, local time.Time, hour int) bool {
	return time.Date(local.Year(), local.Month(), local.Day(), hour, 0, 0, 0, loc).Hour() != hour
}

// firstSlotDay is the local day of sub's last slot at now, at noon.
func firstSlotDay(t *testing.T, sub subscribers.Subscriber, now time.Time) time.Time {
	t.Helper()
	slot, _ := LastSlot(sub, now)
	l := slot.In(sub.Location())
	return time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, sub.Location())
}

func TestCurrentPeriod(t *testing.T) {
	tests := []struct {
		name string
		sub  subscribers.Subscriber
		now  string
		want string
	}{
		{"daily new york evening", reader("America/New_York", 7, subscribers.Daily, 0), "2026-11-29T03:00:00Z", "2026-11-28"},
		{"weekly new york", reader("America/New_York", 7, subscribers.Weekly, time.Monday), "2026-11-29T03:00:00Z", "2026-W48"},
		{"daily chatham after local midnight", reader("Pacific/Chatham", 7, subscribers.Daily, 0), "2026-07-12T12:00:00Z", "2026-07-13"},
		{"daily kathmandu", reader("Asia/Kathmandu", 7, subscribers.Daily, 0), "2026-07-12T18:14:00Z", "2026-07-12"},
		{"weekly at the iso year boundary", reader("UTC", 7, subscribers.Weekly, time.Monday), "2027-01-01T12:00:00Z", "2026-W53"},
		{"unknown zone falls back to utc", reader("Mars/Olympus", 7, subscribers.Daily, 0), "2026-07-12T23:59:00Z", "2026-07-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CurrentPeriod(tt.sub, utc(tt.now)); got != tt.want {
				t.Errorf("CurrentPeriod(%s) = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}

// TestDueSlotCatchUp: a digest is due within 24 h after its slot, never later.
func TestDueSlotCatchUp(t *testing.T) {
	weekly := reader("UTC", 7, subscribers.Weekly, time.Monday)
	ny := reader("America/New_York", 7, subscribers.Daily, 0)
	tests := []struct {
		name       string
		sub        subscribers.Subscriber
		now        string
		wantPeriod string
		wantDue    bool
	}{
		{"weekly at the slot", weekly, "2026-11-23T07:00:00Z", "2026-W48", true},
		{"weekly a day less a second later", weekly, "2026-11-24T06:59:59Z", "2026-W48", true},
		{"weekly a day later", weekly, "2026-11-24T07:00:00Z", "2026-W48", false},
		{"weekly on sunday", weekly, "2026-11-29T07:00:00Z", "2026-W48", false},
		{"weekly before the hour", weekly, "2026-11-23T06:59:59Z", "2026-W47", false},
		{"daily at the slot", ny, "2026-03-09T11:00:00Z", "2026-03-09", true},
		{"daily before the hour catches up yesterday", ny, "2026-03-09T10:59:00Z", "2026-03-08", true},
		// The night clocks fall back is 25 h long: the hour before 07:00 EST
		// is past the 24 h of the day before.
		{"daily 06:30 on the 25 hour day", ny, "2026-11-01T11:30:00Z", "2026-10-31", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			period, due := DueSlot(tt.sub, utc(tt.now))
			if period != tt.wantPeriod || due != tt.wantDue {
				t.Errorf("DueSlot(%s) = %s, %v; want %s, %v", tt.now, period, due, tt.wantPeriod, tt.wantDue)
			}
		})
	}
}

// TestPeriodOver: a digest waiting in the outbox is over once its reader's
// last slot is of a later period; a send-now digest is of the day it was
// asked on.
func TestPeriodOver(t *testing.T) {
	daily := reader("UTC", 7, subscribers.Daily, time.Monday)
	weekly := reader("UTC", 7, subscribers.Weekly, time.Monday)
	now := utc("2026-11-28T09:00:00Z") // a Saturday, after the 07:00 slot
	tests := []struct {
		name   string
		sub    subscribers.Subscriber
		period string
		want   bool
	}{
		{"today's digest", daily, "2026-11-28", false},
		{"yesterday's digest", daily, "2026-11-27", true},
		{"sent now today", daily, "2026-11-28-now-1", false},
		{"sent now yesterday", daily, "2026-11-27-now-2", true},
		{"this week's", weekly, "2026-W48", false},
		{"last week's sent now", weekly, "2026-W47-now-1", true},
		{"not a period", daily, "sample-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PeriodOver(tt.sub, tt.period, now); got != tt.want {
				t.Errorf("PeriodOver(%q): got %v, want %v", tt.period, got, tt.want)
			}
		})
	}
}
