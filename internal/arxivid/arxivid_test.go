package arxivid

import "testing"

// TestParse covers the ids the sources write and the forms a reader pastes.
func TestParse(t *testing.T) {
	tests := []struct {
		name, in    string
		wantID      string
		wantVersion int
		wantOK      bool
	}{
		// What the sources write.
		{"bare", "2410.13276", "2410.13276", 0, true},
		{"bare with version", "2410.13276v2", "2410.13276", 2, true},
		{"abs url with version", "http://arxiv.org/abs/2607.09657v1", "2607.09657", 1, true},
		{"https abs url", "https://arxiv.org/abs/2410.13276v12", "2410.13276", 12, true},
		{"pdf url", "https://arxiv.org/pdf/2410.13276v3.pdf", "2410.13276", 3, true},
		{"pdf url without suffix", "https://arxiv.org/pdf/2410.13276", "2410.13276", 0, true},
		{"export mirror", "http://export.arxiv.org/abs/2410.13276", "2410.13276", 0, true},
		{"arXiv prefix", "arXiv:2410.13276", "2410.13276", 0, true},
		{"four digit number", "0704.0001", "0704.0001", 0, true},
		{"old style with version", "hep-th/0601001v2", "hep-th/0601001", 2, true},
		{"old style url", "http://arxiv.org/abs/astro-ph/0601001v1", "astro-ph/0601001", 1, true},
		{"old style with subject class", "math.GT/0309136", "math.GT/0309136", 0, true},
		{"surrounding space", "  2410.13276v2\n", "2410.13276", 2, true},
		{"empty", "", "", 0, false},
		{"word", "hello", "", 0, false},
		{"other host", "https://example.org/abs/2410.13276", "", 0, false},
		{"error feed id", "https://arxiv.org/api/errors#incorrect_id_format_for_abc", "", 0, false},
		{"too few digits", "2410.132", "", 0, false},
		{"too many digits", "2410.132766", "", 0, false},
		{"version without number", "2410.13276v", "", 0, false},
		{"old style short number", "hep-th/060100", "", 0, false},
		{"trailing junk", "2410.13276; DROP TABLE papers", "", 0, false},
		// What readers paste besides.
		{"lower-case prefix with space", "arxiv: 2410.13276", "2410.13276", 0, true},
		{"upper-case prefix, old style", "ARXIV:hep-th/9711200v3", "hep-th/9711200", 3, true},
		{"html page", "https://arxiv.org/html/2410.13276v1", "2410.13276", 1, true},
		{"abs url with query and slash", "https://arxiv.org/abs/2410.13276/?context=cs", "2410.13276", 0, true},
		{"abs url with fragment", "https://www.arxiv.org/abs/2410.13276#S3", "2410.13276", 0, true},
		{"url without scheme", "arxiv.org/abs/2410.13276", "2410.13276", 0, true},
		{"hugging face paper page", "https://huggingface.co/papers/2607.27958", "2607.27958", 0, true},
		{"listing page", "https://arxiv.org/list/cs.CL/recent", "", 0, false},
		{"prefix alone", "arXiv:", "", 0, false},
		{"huge version", "2410.13276v12345678901234567890", "", 0, false},
		{"hugging face other page", "https://huggingface.co/datasets/2607.27958", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, v, ok := Parse(tt.in)
			if id != tt.wantID || v != tt.wantVersion || ok != tt.wantOK {
				t.Errorf("Parse(%q) = %q, %d, %v; want %q, %d, %v", tt.in, id, v, ok, tt.wantID, tt.wantVersion, tt.wantOK)
			}
		})
	}
}
