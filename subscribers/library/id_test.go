package library

import "testing"

// TestParseArxivID covers every case of digest.ParseArxivID's test, so that
// one of the two can replace the other, and the forms a reader pastes.
func TestParseArxivID(t *testing.T) {
	tests := []struct {
		name, in    string
		wantID      string
		wantVersion int
		wantOK      bool
	}{
		// digest.ParseArxivID's cases.
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
			id, v, ok := ParseArxivID(tt.in)
			if id != tt.wantID || v != tt.wantVersion || ok != tt.wantOK {
				t.Errorf("ParseArxivID(%q) = %q, %d, %v; want %q, %d, %v", tt.in, id, v, ok, tt.wantID, tt.wantVersion, tt.wantOK)
			}
		})
	}
}

func TestFindArxivID(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"google scholar journal", "arXiv preprint arXiv:2401.01234", "2401.01234"},
		{"zotero note", "arXiv:1706.03762 [cs]", "1706.03762"},
		{"zotero extra", "Citation Key: x\narXiv: 2410.04444", "2410.04444"},
		{"arXiv DOI in text", "doi 10.48550/arXiv.2205.14135, 2022", "2205.14135"},
		{"link in text", "see \\url{https://arxiv.org/abs/2106.09685v2}.", "2106.09685"},
		{"pdf link", "https://arxiv.org/pdf/hep-th/9711200v3.pdf", "hep-th/9711200"},
		{"sentence end", "Preprint at arXiv:2401.01234.", "2401.01234"},
		{"old style", "arXiv:math.GT/0309136", "math.GT/0309136"},
		{"no arXiv mention", "pages 2401.01234", ""},
		{"arXiv.org alone", "DP - arXiv.org", ""},
		{"too many digits", "arXiv:2401.012345", ""},
		{"first of two", "arXiv:2401.01234 and arXiv:2401.05678", "2401.01234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := findArxivID(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("findArxivID(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseDOI(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"bare", "10.1145/3442188.3445922", "10.1145/3442188.3445922"},
		{"upper case folded", "10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"},
		{"doi prefix", "doi: 10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"},
		{"doi.org link", "https://doi.org/10.1038/s41586-021-03819-2", "10.1038/s41586-021-03819-2"},
		{"dx.doi.org link", "http://dx.doi.org/10.1038/nature14539", "10.1038/nature14539"},
		{"escaped link", "https://doi.org/10.1002/%28SICI%291097-4571", "10.1002/(sici)1097-4571"},
		{"parentheses kept", "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O", "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o"},
		{"arXiv's own", "10.48550/arXiv.1706.03762", "10.48550/arxiv.1706.03762"},
		{"publisher link", "https://dl.acm.org/doi/10.1145/3442188.3445922", ""},
		{"no prefix number", "10.abc/x", ""},
		{"space inside", "10.1145/34 42188", ""},
		{"no suffix", "10.1145/", ""},
		{"bad escape", "https://doi.org/10.1145/%zz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseDOI(tt.in)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("ParseDOI(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

// TestArxivDOIKeepsCase checks that an old-style id inside arXiv's DOI keeps
// its upper-case subject class.
func TestArxivDOIKeepsCase(t *testing.T) {
	var r Ref
	r.addDOI("https://doi.org/10.48550/arXiv.math.GT/0309136")
	if r.ArxivID != "math.GT/0309136" || r.DOI != "" {
		t.Errorf("got %+v, want ArxivID math.GT/0309136 and no DOI", r)
	}
}
