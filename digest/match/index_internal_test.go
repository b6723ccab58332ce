package match

import (
	"encoding/json"
	"testing"
)

// TestJSONList checks that the index reads the lists as papers rows
// hold them: Go's json.Marshal, escapes and all.
func TestJSONList(t *testing.T) {
	for _, l := range [][]string{
		nil, {}, {""}, {"Tri Dao"}, {"Ana <Ruiz>", "Tom & Jerry", `Say "hi"`, `C:\path`},
		{"line\u2028break\u2029", "bad \xff utf8", "tab\there", "José Núñez"},
	} {
		want := "[]"
		if len(l) > 0 {
			b, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			want = string(b)
		}
		got, ends := jsonList(l)
		if got != want {
			t.Errorf("jsonList(%q): got %s, want %s", l, got, want)
		}
		for i, end := range ends {
			if got[end-1] != '"' || (got[end] != ',' && got[end] != ']') || i == len(l)-1 && end != len(got)-1 {
				t.Errorf("jsonList(%q): name %d ends at %d in %s, want after its closing quote", l, i, end, got)
			}
		}
	}
}
