package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestSubscribersImport imports a file with good, duplicate and bad rows,
// checks the report and what was stored, then imports it again: nothing
// changes the second time.
func TestSubscribersImport(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	e.mustRun("subscribers", "add", "known@example.org", "--confirmed")
	file := filepath.Join(e.dir, "readers.csv")
	csv := `email,topics,frequency,hour,timezone
ada@example.org,title:pretraining;cat:cs.CL,daily,7,Europe/Berlin
bob@example.org,,weekly,9,UTC
known@example.org,lora,daily,7,UTC
ADA@example.org,rag,daily,8,UTC
not-an-address,rag,daily,7,UTC
cy@example.org,(rag,daily,7,UTC
dee@example.org,rag,hourly,7,UTC
eve@example.org,rag,daily,25,UTC
fay@example.org,rag,daily,7,Mars/Olympus
`
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	rejects := file + `:6: rejected: email address "not-an-address": want a single address like name@example.org
` + file + `:7: rejected: topic 1 "(rag": unclosed "(" at column 1, expected a ")" to match it
` + file + `:8: rejected: frequency "hourly": want daily or weekly
` + file + `:9: rejected: hour 25: want 0 to 23
` + file + `:10: rejected: time zone "Mars/Olympus": unknown (want an IANA name such as Europe/Berlin)
`
	tests := []struct {
		name, want string
	}{
		// known@ is on the list already; ADA@ repeats ada@ in another case.
		{"first import", rejects + "imported 2, already subscribed 2, rejected 5\n"},
		{"again", rejects + "imported 0, already subscribed 4, rejected 5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.mustRun("subscribers", "import", file); got != tt.want {
				t.Errorf("report: got\n%s\nwant\n%s", got, tt.want)
			}
			if got := e.count(`SELECT count(*) FROM subscribers WHERE status = 'active'`); got != 3 {
				t.Errorf("active subscribers: got %d, want 3", got)
			}
			if got := e.count(`SELECT count(*) FROM topics`); got != 2 {
				t.Errorf("topics: got %d, want 2 (ada's)", got)
			}
		})
	}
}

// TestSubscribersExport checks both export formats: JSON carries every
// subscriber with its topics, and CSV imports into a new installation whole.
func TestSubscribersExport(t *testing.T) {
	src := startSources(t)
	e := newEnv(t, src, nil)
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "title:pretraining", "--topic", "cat:cs.CL")
	e.mustRun("subscribers", "add", "bob@example.org", "--confirmed", "--frequency", "weekly", "--hour", "9")

	var got []exportedSubscriber
	if err := json.Unmarshal([]byte(e.mustRun("subscribers", "export", "--format", "json")), &got); err != nil {
		t.Fatal(err)
	}
	want := []exportedSubscriber{
		{Email: "ada@example.org", Status: "active", Topics: []string{"title:pretraining", "cat:cs.cl"}, // stored normalised
			Frequency: "daily", Weekday: "Monday", Hour: 7, Timezone: "UTC"},
		{Email: "bob@example.org", Status: "active", Topics: []string{}, Frequency: "weekly", Weekday: "Monday",
			Hour: 9, Timezone: "UTC"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("export --format json: got %+v, want %+v", got, want)
	}

	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, []byte(e.mustRun("subscribers", "export")), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := newEnv(t, src, nil).mustRun("subscribers", "import", file); got != "imported 2, already subscribed 0, rejected 0\n" {
		t.Errorf("import of the CSV export: got %q", got)
	}
	if r := e.run("subscribers", "export", "--format", "xml"); r.code != exitUsage {
		t.Errorf("export --format xml: got exit %d, want %d", r.code, exitUsage)
	}
}
