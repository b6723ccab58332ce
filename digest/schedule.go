package digest

import (
	"fmt"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// catchUp is how long after a missed delivery hour a reader still gets that
// digest: a daemon down over someone's hour sends it when it is back, once.
const catchUp = 24 * time.Hour

// LastSlot returns the most recent delivery time of sub at or before now — its
// hour in its own zone, every day or on its weekday — and the period that
// delivery is for. Wall-clock arithmetic in the reader's zone keeps 07:00 at
// 07:00 on both sides of a DST change.
func LastSlot(sub subscribers.Subscriber, now time.Time) (time.Time, string) {
	loc := sub.Location()
	local := now.In(loc)
	day := local
	for range 8 {
		slot := time.Date(day.Year(), day.Month(), day.Day(), sub.Hour, 0, 0, 0, loc)
		if slot.Hour() != sub.Hour && sub.Hour < 23 {
			// The hour falls in a DST gap (02:00 in New York or Berlin on
			// spring-forward day) and time.Date moved it back an hour — at
			// midnight (America/Santiago) into the day before, giving that
			// day two slots and this one none. Deliver when the clocks
			// jump past the gap instead, never before the reader's hour.
			slot = time.Date(day.Year(), day.Month(), day.Day(), sub.Hour+1, 0, 0, 0, loc)
		}
		if !slot.After(now) && (sub.Frequency != subscribers.Weekly || slot.Weekday() == sub.Weekday) {
			return slot, periodOf(sub, slot)
		}
		day = time.Date(day.Year(), day.Month(), day.Day()-1, 12, 0, 0, 0, loc)
	}
	panic("unreachable: a week always holds the weekday")
}

// CurrentPeriod returns the period now falls in for sub: its local date, or
// its ISO week for a weekly reader.
func CurrentPeriod(sub subscribers.Subscriber, now time.Time) string {
	return periodOf(sub, now.In(sub.Location()))
}

func periodOf(sub subscribers.Subscriber, local time.Time) string {
	if sub.Frequency == subscribers.Weekly {
		y, w := local.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return local.Format(time.DateOnly)
}

// DueSlot reports whether sub's last slot is recent enough to deliver now,
// and the period it is for.
func DueSlot(sub subscribers.Subscriber, now time.Time) (string, bool) {
	slot, period := LastSlot(sub, now)
	return period, now.Sub(slot) < catchUp
}

// PeriodOver reports whether sub's last slot is for a later period than
// period: that digest has a successor and is no longer worth sending. A
// digest built early by `run --now` is for a period whose slot is yet to
// come, and is not over.
func PeriodOver(sub subscribers.Subscriber, period string, now time.Time) bool {
	_, current := LastSlot(sub, now)
	from, ok1 := periodDay(period)
	to, ok2 := periodDay(current)
	return ok1 && ok2 && from.Before(to)
}

// periodDay is the first day of a period: the date of a daily one, the
// Monday of a weekly one. Comparing days, not strings, keeps a reader who
// switched between daily and weekly comparable. A send-now digest's period
// ("2026-11-28-now-1") is the day it was asked on.
func periodDay(period string) (time.Time, bool) {
	period, _, _ = strings.Cut(period, NowPeriodMark)
	if d, err := time.Parse(time.DateOnly, period); err == nil {
		return d, true
	}
	var year, week int
	if n, err := fmt.Sscanf(period, "%d-W%d", &year, &week); err != nil || n != 2 {
		return time.Time{}, false
	}
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC) // always in ISO week 1
	monday := jan4.AddDate(0, 0, -(int(jan4.Weekday())+6)%7)
	return monday.AddDate(0, 0, 7*(week-1)), true
}

// NowPeriodMark separates a send-now digest's period from its number:
// "2026-11-28-now-1" is the first digest sent on request on 28 November.
const NowPeriodMark = "-now-"

// NowPeriod is the period of the nth digest a reader asked for outside
// their schedule in the period base ("send me my digest now").
func NowPeriod(base string, n int) string {
	return fmt.Sprintf("%s%s%d", base, NowPeriodMark, n)
}
