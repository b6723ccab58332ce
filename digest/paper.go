package digest

import (
	"regexp"
	"strings"
	"time"
)

// Paper is one research paper as digestd stores it: the arXiv and Hugging Face
// records of the same arXiv id merge into one Paper.
type Paper struct {
	// ID is the arXiv id without version: "2410.13276", "hep-th/0601001".
	ID string
	// Version is the arXiv version number (2 for "2410.13276v2"); 0 when unknown.
	Version     int
	Title       string
	Abstract    string
	Authors     []string
	Categories  []string // arXiv categories, primary first: "cs.CL", "cs.LG"
	Org         string   // organisation display name from Hugging Face
	Upvotes     int
	PublishedAt time.Time // the paper's first public date
	UpdatedAt   time.Time // arXiv's last update; zero when unknown
	// FeaturedOn is the Hugging Face Daily Papers day the paper was featured on
	// (midnight UTC); zero for papers only seen on arXiv.
	FeaturedOn  time.Time
	AISummary   string
	AIKeywords  []string
	GithubRepo  string
	ProjectPage string
	Comment     string
	DOI         string
	JournalRef  string
	// Source names where this record came from: "huggingface" or "arxiv";
	// for a stored paper, every source that carried it ("arxiv,huggingface").
	Source string
}

// StoredPaper is a paper as the database keeps it: with its row id, which
// only grows, and the time it first arrived.
type StoredPaper struct {
	RowID   int64
	Arrived time.Time
	Paper
}

// AbstractURL is the paper's arXiv abstract page.
func (p Paper) AbstractURL() string { return "https://arxiv.org/abs/" + p.ID }

// PDFURL is the paper's PDF on arXiv.
func (p Paper) PDFURL() string { return "https://arxiv.org/pdf/" + p.ID }

var (
	newStyleID = regexp.MustCompile(`^(\d{4}\.\d{4,5})(?:v(\d+))?$`)
	oldStyleID = regexp.MustCompile(`^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$`)
)

// ParseArxivID splits an arXiv identifier, bare or as an abs/pdf URL, into its
// versionless id and version (0 when absent). ok is false when s is no arXiv id.
func ParseArxivID(s string) (id string, version int, ok bool) {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"http://", "https://"} {
		s = strings.TrimPrefix(s, prefix)
	}
	for _, prefix := range []string{"arxiv.org/abs/", "arxiv.org/pdf/", "export.arxiv.org/abs/", "arXiv:"} {
		s = strings.TrimPrefix(s, prefix)
	}
	s = strings.TrimSuffix(s, ".pdf")
	for _, re := range []*regexp.Regexp{newStyleID, oldStyleID} {
		if m := re.FindStringSubmatch(s); m != nil {
			v := 0
			for _, c := range m[2] {
				v = v*10 + int(c-'0')
			}
			return m[1], v, true
		}
	}
	return "", 0, false
}
