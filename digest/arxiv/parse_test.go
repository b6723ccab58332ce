package arxiv_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
)

const fixtures = "../../testdata/fixtures/"

// view is the part of a paper a reader of the digest would check.
type view struct {
	Version                        int
	Title, FirstAuthor, LastAuthor string
	Authors                        int
	Categories                     string
	Published, Updated             string
	Comment, DOI, JournalRef       string
}

func viewOf(p digest.Paper) view {
	v := view{
		Version: p.Version, Title: p.Title, Authors: len(p.Authors),
		Categories: strings.Join(p.Categories, ","),
		Published:  p.PublishedAt.Format(time.RFC3339), Updated: p.UpdatedAt.Format(time.RFC3339),
		Comment: p.Comment, DOI: p.DOI, JournalRef: p.JournalRef,
	}
	if len(p.Authors) > 0 {
		v.FirstAuthor, v.LastAuthor = p.Authors[0], p.Authors[len(p.Authors)-1]
	}
	return v
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file          string
		total, papers int
		id            string
		want          view
	}{
		{"arxiv_api_idlist_1707.08567_34authors_nonascii.xml", 1, 1, "1707.08567", view{
			Version: 1, Title: "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications",
			FirstAuthor: "Kees A. Schouhamer Immink", LastAuthor: "Hirosuke Yamamoto", Authors: 34, Categories: "cs.IT",
			Published: "2017-07-27T08:18:33Z", Updated: "2017-07-27T08:18:33Z",
			Comment: "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck",
		}},
		{"arxiv_api_idlist_astro-ph_0601001_oldid_affiliation.xml", 1, 1, "astro-ph/0601001", view{
			Version: 1, Title: "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina",
			FirstAuthor: "Andrew Gould", LastAuthor: "Andrzej Udalski", Authors: 4, Categories: "astro-ph",
			Published: "2006-01-02T14:57:58Z", Updated: "2006-01-02T14:57:58Z",
			Comment:    "62 pages including 16 figures and 9 tables. Submitted to Acta Astronomica. Full resolution version at http://www.astronomy.ohio-state.edu/~gould/ogle_hot_jupiters.ps.gz",
			JournalRef: "ActaAstron.56:1-50,2006",
		}},
		{"arxiv_api_oldformat_2017_deep-dream_10entries.atom", 24617, 10, "1611.09520", view{
			Version: 2, Title: "Hierarchical Neural Representation of Dreamed Objects Revealed by Brain Decoding with Deep Neural Network Features",
			FirstAuthor: "Tomoyasu Horikawa", LastAuthor: "Yukiyasu Kamitani", Authors: 2, Categories: "q-bio.NC",
			Published: "2016-11-29T08:18:38Z", Updated: "2017-01-23T06:54:20Z",
		}},
		{"arxiv_api_oldformat_2017_deep-dream_10entries.atom", 24617, 10, "1511.08339", view{
			Version: 2, Title: "Dreaming of atmospheres", FirstAuthor: "I. P. Waldmann", LastAuthor: "I. P. Waldmann", Authors: 1,
			Categories: "astro-ph.EP", Published: "2015-11-26T10:03:56Z", Updated: "2016-02-11T10:58:04Z",
			Comment: "ApJ accepted", DOI: "10.3847/0004-637X/820/2/107",
		}},
		{"arxiv_api_oldformat_2017_deep-dream_10entries.atom", 24617, 10, "1403.7984", view{ // an MSC class listed as a category is dropped
			Version: 2, Title: "Mori Dream Stacks", FirstAuthor: "Andreas Hochenegger", LastAuthor: "Elena Martinengo", Authors: 2,
			Categories: "math.AG", Published: "2014-03-31T13:08:42Z", Updated: "2015-05-24T19:09:49Z",
			Comment: "19 pages, to appear in Mathematische Zeitschrift", DOI: "10.1007/s00209-015-1472-1",
			JournalRef: "Mathematische Zeitschrift 280, 1185-1202, 2015",
		}},
		{"arxiv_api_oldformat_2025-10_csRO_2entries.xml", 5619, 2, "2510.14968", view{
			Version: 1, Title: "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks",
			FirstAuthor: "Mingxuan Yan", LastAuthor: "Jiachen Li", Authors: 4, Categories: "cs.RO,cs.AI,cs.CV,cs.LG,cs.SY,eess.SY",
			Published: "2025-10-16T17:59:37Z", Updated: "2025-10-16T17:59:37Z",
			Comment: "39th Conference on Neural Information Processing Systems (NeurIPS 2025); Project Website: rdd-neurips.github.io",
		}},
		{"arxiv_api_query_all-testing_10entries.xml", 214881, 10, "2202.12139", view{
			Version: 1, Title: "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques",
			FirstAuthor: "Mohit Kumar Ahuja", LastAuthor: "Helge Spieker", Authors: 3, Categories: "cs.SE,cs.LG",
			Published: "2022-02-24T15:05:19Z", Updated: "2022-02-24T15:05:19Z",
			Comment: "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022", DOI: "10.1109/ICSTW55395.2022.00035",
			JournalRef: "Artificial Intelligence in Software Testing @ 2022 IEEE International Conference on Software Testing, Verification and Validation Workshops (ICSTW)",
		}},
		{"arxiv_api_query_all-testing_100entries.xml", 214881, 100, "gr-qc/0103067", view{
			Version: 1, Title: "Principles of Equivalence: Their Role in Gravitation Physics and Experiments that Test Them",
			FirstAuthor: "Mark P. Haugan", LastAuthor: "C. Lämmerzahl", Authors: 2, Categories: "gr-qc",
			Published: "2001-03-17T21:54:18Z", Updated: "2001-03-17T21:54:18Z",
			Comment: "in: ''Gyros, Clocks, and Interferometers...: Testing Relativistic Gravity in Space'' (C. Lämmerzahl, C.W.F. Everitt, F.W. Hehl eds.), Springer-Verlag 2001",
			DOI:     "10.1007/3-540-40988-2_10", JournalRef: "Lect.Notes Phys.562:195-212,2001",
		}},
		{"arxiv_api_query_cat-csAI-OR-csLG_50entries.xml", 386601, 50, "2607.09662", view{
			Version: 1, Title: "PHINN-EEG: Topological Time-Series Analysis of Dream-State EEG -- Dynamic Betti Curves for Dream Content Classification and Topology-Conditioned Neural Signal Synthesis",
			FirstAuthor: "Ren Takahashi", LastAuthor: "Jayabrata Bhaduri", Authors: 3, Categories: "q-bio.NC,cs.AI,cs.LG,eess.SP,math.AT",
			Published: "2026-07-10T17:59:45Z", Updated: "2026-07-10T17:59:45Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.id, func(t *testing.T) {
			feed, err := arxiv.Parse(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if feed.Total != tt.total || feed.Entries != tt.papers || len(feed.Papers) != tt.papers {
				t.Errorf("got total %d, %d entries, %d papers, want %d, %d, %d",
					feed.Total, feed.Entries, len(feed.Papers), tt.total, tt.papers, tt.papers)
			}
			var p digest.Paper
			for _, q := range feed.Papers {
				if q.ID == tt.id {
					p = q
				}
			}
			if p.ID == "" {
				t.Fatalf("got no paper %s, want one", tt.id)
			}
			if p.Source != "arxiv" || p.Abstract == "" || strings.Contains(p.Abstract, "\n") {
				t.Errorf("got source %q, abstract %q, want arxiv and one collapsed line", p.Source, p.Abstract)
			}
			if got := viewOf(p); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseNonASCIIAuthor(t *testing.T) {
	feed, err := arxiv.Parse(readFixture(t, "arxiv_api_idlist_1707.08567_34authors_nonascii.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feed.Papers[0].Authors[32], "Dirk Wübben"; got != want {
		t.Errorf("got author %q, want %q", got, want)
	}
}

func TestParseEmptyAndErrors(t *testing.T) {
	full := string(readFixture(t, "arxiv_api_query_all-testing_10entries.xml"))
	tests := []struct {
		name, data, wantErr string
		wantAPI             bool
	}{
		{"no results is no error", string(readFixture(t, "arxiv_api_empty_totalResults0.xml")), "", false},
		{"error feed", string(readFixture(t, "arxiv_api_error_incorrect_id_format_http400.xml")),
			"arxiv: api error: incorrect id format for abc", true},
		// rss.arxiv.org is not an API response; should it ever be configured
		// as the URL, the error must say so.
		{"rss is not an api response", string(readFixture(t, "arxiv_rss_csCL_2026-08-01_weekend_empty.xml")),
			"arxiv: decode feed: line 2: expected element type <feed> but have <rss>", false},
		{"truncated", full[:5000], "arxiv: decode feed: line 53: unexpected EOF", false},
		{"html page", "<html><body>Bad Gateway", "arxiv: decode feed: line 1: expected element type <feed> but have <html>", false},
		{"entries without arxiv ids", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x</id></entry></feed>`,
			`arxiv: none of 1 entries has an arxiv id, the first has "urn:x"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := arxiv.Parse([]byte(tt.data))
			switch {
			case tt.wantErr == "" && (err != nil || feed.Total != 0 || len(feed.Papers) != 0):
				t.Errorf("got %+v, %v, want an empty feed", feed, err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("got error %v, want %q", err, tt.wantErr)
			case errors.Is(err, arxiv.ErrAPI) != tt.wantAPI:
				t.Errorf("got errors.Is(err, ErrAPI) = %v, want %v", !tt.wantAPI, tt.wantAPI)
			}
		})
	}
}
