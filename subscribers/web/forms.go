package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/query"
)

// settingsForm is what the subscribe and manage forms hold, as typed, so a
// form with an error comes back with everything the reader entered.
type settingsForm struct {
	Email     string
	Topics    string
	Frequency string
	Weekday   int
	Hour      int
	Timezone  string
	MaxPapers int
	Paused    bool
}

// formPage is the data of the index and manage pages.
type formPage struct {
	Title          string
	Form           settingsForm
	Errors         map[string]string
	Subscriber     subscribers.Subscriber
	Saved          string
	UnsubscribeURL string
	ManageURL      string
	// Preview, when set, is shown beside the topics field: the no-JS
	// Preview button fills it; the script replaces it as the reader types.
	Preview *previewData
	// Taste, on the manage page, is what the reader taught their digest.
	Taste *tasteData
}

type weekdayOption struct {
	Value int
	Name  string
}

// Weekdays lists the weekday choices, Monday first.
func (formPage) Weekdays() []weekdayOption {
	var opts []weekdayOption
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		opts = append(opts, weekdayOption{int(d), d.String()})
	}
	return opts
}

// Hours lists the hours of the day.
func (formPage) Hours() []int {
	hours := make([]int, 24)
	for i := range hours {
		hours[i] = i
	}
	return hours
}

func formFromSubscriber(s subscribers.Subscriber, topics []subscribers.Topic) settingsForm {
	lines := make([]string, len(topics))
	for i, t := range topics {
		lines[i] = t.Query
	}
	return settingsForm{
		Email: s.Email, Topics: strings.Join(lines, "\n"), Frequency: string(s.Frequency),
		Weekday: int(s.Weekday), Hour: s.Hour, Timezone: s.Timezone, MaxPapers: s.MaxPapers,
		Paused: s.Status == subscribers.StatusPaused,
	}
}

// readForm reads the settings fields of a posted form and validates them.
// errs maps a field name to what is wrong with it; every invalid topic is
// named at once, so the reader fixes them in one go. A max_papers equal to
// defMax, the operator's number the manage page shows, is kept as 0: the
// reader follows the operator's number if it changes.
func readForm(r *http.Request, defMax int) (f settingsForm, set subscribers.Settings, topics []string, errs map[string]string) {
	errs = map[string]string{}
	def := subscribers.DefaultSettings()
	f = settingsForm{
		Email:     strings.TrimSpace(r.PostFormValue("email")),
		Topics:    r.PostFormValue("topics"),
		Frequency: strings.TrimSpace(r.PostFormValue("frequency")),
		Timezone:  strings.TrimSpace(r.PostFormValue("timezone")),
		Paused:    r.PostFormValue("paused") != "",
	}
	if f.Frequency == "" {
		f.Frequency = string(def.Frequency)
	}
	if f.Timezone == "" {
		f.Timezone = def.Timezone
	}
	f.Weekday = intField(r, "weekday", int(def.Weekday), errs)
	f.Hour = intField(r, "hour", def.Hour, errs)
	f.MaxPapers = intField(r, "max_papers", 0, errs)
	set = subscribers.Settings{Frequency: subscribers.Frequency(f.Frequency), Weekday: time.Weekday(f.Weekday), Hour: f.Hour,
		Timezone: f.Timezone, MaxPapers: f.MaxPapers}
	if set.MaxPapers == defMax {
		set.MaxPapers = 0
	}
	if err := set.Validate(); err != nil {
		key := "settings"
		if strings.HasPrefix(err.Error(), "time zone") {
			key = "timezone"
		}
		errs[key] = err.Error()
	}
	topics = topicLines(f.Topics)
	var bad []string
	for i, t := range topics {
		if _, err := query.Parse(t); err != nil {
			bad = append(bad, fmt.Sprintf("topic %d %q: %v", i+1, t, err))
		}
	}
	if len(bad) == 0 {
		if _, err := subscribers.ParseTopics(topics); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		errs["topics"] = strings.Join(bad, "\n")
	}
	return f, set, topics, errs
}

// topicLines splits the topics field into its non-blank lines.
func topicLines(field string) []string {
	var topics []string
	for _, line := range strings.Split(field, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			topics = append(topics, line)
		}
	}
	return topics
}

func intField(r *http.Request, name string, def int, errs map[string]string) int {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs["settings"] = name + " " + strconv.Quote(v) + ": want a number"
		return def
	}
	return n
}
