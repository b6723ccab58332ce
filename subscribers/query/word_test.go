package query

import (
	"reflect"
	"testing"
)

func TestWords(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Word
	}{
		{"empty", "", nil},
		{"separators only", " -–.,;()\"*", nil},
		{"accent folds", "Dirk Wübben", []Word{{"dirk", 0, 4}, {"wubben", 5, 12}}},
		{"hyphen splits", "gpt-4o", []Word{{"gpt", 0, 3}, {"4o", 4, 6}}},
		{"category splits", `["cs.CL"]`, []Word{{"cs", 2, 4}, {"cl", 5, 7}}},
		{"underscore splits", "snake_case", []Word{{"snake", 0, 5}, {"case", 6, 10}}},
		{"combining accent stays inside", "e\u0301te\u0301", []Word{{"ete", 0, 7}}},
		{"combining accent cannot start a word", "\u0301x", []Word{{"x", 2, 3}}},
		{"other marks separate", "a\u0345b", []Word{{"a", 0, 1}, {"b", 3, 4}}},
		{"greek keeps accents", "Ά", []Word{{"ά", 0, 2}}},
		{"dotless i stays", "ı", []Word{{"ı", 0, 2}}},
		{"cjk run is one word", "大規模 モデル", []Word{{"大規模", 0, 9}, {"モデル", 10, 19}}},
		{"digits", "Llama 3.1 70B", []Word{{"llama", 0, 5}, {"3", 6, 7}, {"1", 8, 9}, {"70b", 10, 13}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Words(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Words(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
