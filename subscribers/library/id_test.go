package library

import "testing"

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
