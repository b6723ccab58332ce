package subscribers_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
)

// settings returns the default settings with frequency, hour and time zone set.
func settings(f subscribers.Frequency, hour int, tz string) subscribers.Settings {
	s := subscribers.DefaultSettings()
	s.Frequency, s.Hour, s.Timezone = f, hour, tz
	return s
}

func TestReadCSV(t *testing.T) {
	type reject struct {
		line    int
		mention string
	}
	def := subscribers.DefaultSettings()
	tests := []struct {
		name        string
		in          string
		want        []subscribers.ImportRow
		wantRejects []reject
	}{
		{"header in export order", "email,topics,frequency,hour,timezone\n" +
			"ann@Example.org, lora; rag ;;,weekly,9,Europe/Berlin\n" +
			`bob@example.org,"""long context"" LoRA;author:""Tri Dao""",daily,0,UTC` + "\n",
			[]subscribers.ImportRow{
				{Line: 2, Email: "ann@example.org", Topics: []string{"lora", "rag"}, Settings: settings("weekly", 9, "Europe/Berlin")},
				{Line: 3, Email: "bob@example.org", Topics: []string{`"long context" LoRA`, `author:"Tri Dao"`}, Settings: settings("daily", 0, "UTC")},
			}, nil},
		{"any order with BOM", "\ufefftimezone,Hour,EMAIL,topics\nAsia/Tokyo,6,ann@example.org,cat:cs.CL\n",
			[]subscribers.ImportRow{{Line: 2, Email: "ann@example.org", Topics: []string{"cat:cs.CL"}, Settings: settings("daily", 6, "Asia/Tokyo")}},
			nil},
		{"email only, CRLF", "email\r\nann@example.org\r\n\r\nbob@example.org\r\n",
			[]subscribers.ImportRow{{Line: 2, Email: "ann@example.org", Settings: def}, {Line: 4, Email: "bob@example.org", Settings: def}},
			nil},
		{"header only", "email,topics\n", nil, nil},
		{"max papers 5 to 50, or empty", "email,max_papers\nann@example.org,5\nbob@example.org,50\ncarol@example.org,\n" +
			"dave@example.org,4\neve@example.org,51\nfrank@example.org,many\n",
			[]subscribers.ImportRow{
				{Line: 2, Email: "ann@example.org", Settings: withMax(def, 5)},
				{Line: 3, Email: "bob@example.org", Settings: withMax(def, 50)},
				{Line: 4, Email: "carol@example.org", Settings: def},
			},
			[]reject{{5, "max papers 4: want 5 to 50"}, {6, "max papers 51"}, {7, `"many"`}}},
		{"bad rows named by line", "email,topics,frequency,hour,timezone\n" +
			"ann@example.org,lora,daily,7,UTC\n" +
			"not-an-email,lora,daily,7,UTC\n" +
			"bob@example.org,,daily,25,UTC\n" +
			"carol@example.org,foo),daily,7,UTC\n" +
			"\n" +
			"dave@example.org\n" +
			"e\"ve@example.org,lora\n" +
			"frank@example.org,,hourly,7,UTC\n" +
			"grace@example.org,,daily,7,Mars/Olympus\n" +
			"heidi@example.org,,daily,seven,UTC\n",
			[]subscribers.ImportRow{
				{Line: 2, Email: "ann@example.org", Topics: []string{"lora"}, Settings: def},
				{Line: 7, Email: "dave@example.org", Settings: def},
			},
			[]reject{{3, "not-an-email"}, {4, "hour 25"}, {5, "column 4"}, {8, `bare "`}, {9, "hourly"},
				{10, "Mars/Olympus"}, {11, "seven"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, rejects, err := subscribers.ReadCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ReadCSV: %v", err)
			}
			if !reflect.DeepEqual(rows, tt.want) {
				t.Errorf("rows:\ngot  %+v\nwant %+v", rows, tt.want)
			}
			if len(rejects) != len(tt.wantRejects) {
				t.Fatalf("rejects: got %+v, want %d", rejects, len(tt.wantRejects))
			}
			for i, want := range tt.wantRejects {
				got := rejects[i]
				if got.Line != want.line || !strings.Contains(fmt.Sprint(got.Err), want.mention) {
					t.Errorf("reject %d: got line %d %q, want line %d naming %q", i, got.Line, got.Err, want.line, want.mention)
				}
			}
		})
	}
}

func TestReadCSVHeader(t *testing.T) {
	tests := []struct {
		name, in, mention string
		wantInvalid       bool
	}{
		{"unknown column", "email,name,topics\nann@example.org,Ann,lora\n", `column 2 "name"`, true},
		{"no email column", "topics,hour\nlora,7\n", "no email column", true},
		{"empty file", "", "header", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, err := subscribers.ReadCSV(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("got error %v and %d rows, want an error naming %q", err, len(rows), tt.mention)
			}
			if got := errors.Is(err, subscribers.ErrInvalid); got != tt.wantInvalid {
				t.Errorf("errors.Is(%v, ErrInvalid): got %v, want %v", err, got, tt.wantInvalid)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	st, _ := digesttest.Subscribers(t)
	subs := []struct {
		email  string
		status subscribers.Status
		set    subscribers.Settings
		topics []string
	}{
		{"ann@example.org", subscribers.StatusActive, settings("weekly", 9, "Europe/Berlin"),
			[]string{`"long context" LoRA`, `author:"Tri Dao"`, "(rag OR retrieval) -multimodal"}},
		{"bob@example.org", subscribers.StatusPending, settings("daily", 0, "America/New_York"), nil},
		{"carol@example.org", subscribers.StatusUnsubscribed, settings("daily", 23, "UTC"), []string{`cat:cs.CL org:"Qwen Team"`, "upvotes:>=10"}},
	}
	var want []subscribers.ImportRow
	for i, s := range subs {
		sub, err := st.Add(t.Context(), s.email, s.status, s.set, s.topics)
		if err != nil {
			t.Fatal(err)
		}
		s.set.Weekday = time.Monday // not a CSV column: an import gets the default
		want = append(want, subscribers.ImportRow{Line: i + 2, Email: sub.Email,
			Topics: digesttest.Topics(t, st, sub.ID), Settings: s.set})
	}
	var buf bytes.Buffer
	if err := st.WriteCSV(t.Context(), &buf); err != nil {
		t.Fatalf("WriteCSV: %v", err)
	}
	rows, rejects, err := subscribers.ReadCSV(&buf)
	if err != nil || len(rejects) != 0 {
		t.Fatalf("ReadCSV of the export: got error %v, rejects %+v, want none", err, rejects)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", rows, want)
	}
}

func withMax(s subscribers.Settings, n int) subscribers.Settings {
	s.MaxPapers = n
	return s
}
