package digest

import (
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
