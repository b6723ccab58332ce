package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digestd/digestd/digest/mailer/smtptest"
	"github.com/digestd/digestd/digest/rank"
	"github.com/digestd/digestd/subscribers"
)

// libraryFixtures holds the library parser's exports as readers' tools
// write them.
const libraryFixtures = "../../subscribers/library/testdata/"

// manageLink mints a manage token for the reader with address email.
func (e *env) manageLink(email string) string {
	e.t.Helper()
	st := subscribers.NewStore(e.db())
	sub, err := st.ByEmail(e.t.Context(), email)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := st.NewToken(e.t.Context(), sub.ID, subscribers.TokenManage)
	if err != nil {
		e.t.Fatal(err)
	}
	return "/manage/" + tok
}

// TestVotesList: votes cast with the buttons of `digestd serve`'s pages,
// the last on a paper counting, are what `votes list` prints, one line
// each: the id, up or down, the time in RFC 3339 UTC.
func TestVotesList(t *testing.T) {
	base, e := startServe(t, smtptest.Start(t))
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "agents")
	manage := e.manageLink("ada@example.org")
	rows, err := e.db().Query(`SELECT arxiv_id FROM papers ORDER BY id LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	before := time.Now().Add(-time.Second)
	for _, vote := range []string{"/more/" + ids[0], "/fewer/" + ids[1] + "v1", "/fewer/" + ids[0]} {
		if code := press(t, base, manage+vote); code != http.StatusOK {
			t.Fatalf("POST %s: got %d, want 200", vote, code)
		}
	}
	out := e.mustRun("votes", "list", "ada@example.org")
	line := regexp.MustCompile(`^(\S+) (up|down) (\S+)$`)
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q: want ARXIV_ID up|down TIME", l)
		}
		at, err := time.Parse(time.RFC3339, m[3])
		if err != nil || !strings.HasSuffix(m[3], "Z") || at.Before(before.Truncate(time.Second)) || at.After(time.Now()) {
			t.Errorf("line %q: time %q (%v), want RFC 3339 UTC of the vote", l, m[3], err)
		}
		got = append(got, m[1]+" "+m[2])
	}
	if want := []string{ids[1] + " down", ids[0] + " down"}; strings.Join(got, ", ") != strings.Join(want, ", ") &&
		strings.Join(got, ", ") != strings.Join([]string{want[1], want[0]}, ", ") {
		t.Errorf("votes list: got %q, want %q (the last vote on %s counts)", got, want, ids[0])
	}
	if r := e.run("votes", "list", "nobody@example.org"); r.code != exitUsage || !strings.Contains(r.stderr, "nobody@example.org") {
		t.Errorf("an unknown address: got exit %d, %q; want 2 naming it", r.code, r.stderr)
	}
	t.Logf("votes list:\n%s", out)
}

// TestLibraryImportCommand: `library import` reads each kind of export,
// stores its papers in the reader's library, fetches those not stored by
// id from arXiv (here, the id_list fixtures) and says what it did; a file
// that breaks its format is refused naming the file and the line, with
// exit status 2 and nothing stored.
func TestLibraryImportCommand(t *testing.T) {
	e := newEnv(t, startSources(t), nil)
	e.mustRun("fetch", "--date", fixtureDay, "--days", "1")
	broken := filepath.Join(t.TempDir(), "broken.bib")
	if err := os.WriteFile(broken, []byte("@misc{a, eprint={2401.01234}}\n@article{smith2024,\n  title = {Things,\n  year = 2024\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file      string
		wantCode  int
		want      []string
		wantStore int
	}{
		{libraryFixtures + "zotero.bib", 0, []string{"5 papers added to the library from " + libraryFixtures + "zotero.bib (bibtex)",
			"skipped: 1 entry with neither an arXiv id nor a DOI (line 65)", "doi only: 2 papers kept",
			"fetched: 0 of 3 papers not stored here, from arXiv"}, 5},
		{libraryFixtures + "zotero.ris", 0, []string{"5 papers added", "(ris)", "skipped: 1 entry"}, 5},
		{libraryFixtures + "zotero.csv", 0, []string{"5 papers added", "(csv)", "(line 6)"}, 5},
		{libraryFixtures + "arxiv.bib", 0, []string{"5 papers added", "fetched: 1 of 5 papers not stored here, from arXiv",
			"model: trained on 1 paper"}, 5},
		// astro-ph/0601001 came with arxiv.bib: not asked for again.
		{libraryFixtures + "list.txt", 0, []string{"10 papers added", "(list)", "duplicates: 2 entries named a paper named before",
			"fetched: 0 of 6 papers not stored here, from arXiv", "model: trained on 1 paper"}, 10},
		{broken, exitUsage, []string{"digestd: library " + broken + `: line 3: unbalanced "{" in field "title" of entry "smith2024"; nothing was imported`}, 0},
		{filepath.Join(t.TempDir(), "none.bib"), exitUsage, []string{"none.bib: no such file"}, 0},
	}
	for i, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			email := fmt.Sprintf("reader%d@example.org", i)
			e.mustRun("subscribers", "add", email, "--confirmed", "--topic", "agents")
			r := e.run("library", "import", email, tt.file)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.stdout+r.stderr, want) {
					t.Errorf("got no %q in\n%s%s", want, r.stdout, r.stderr)
				}
			}
			if n := e.count(`SELECT count(*) FROM library l JOIN subscribers s ON s.id = l.subscriber_id WHERE s.email = ?`, email); n != tt.wantStore {
				t.Errorf("library stored: got %d papers, want %d", n, tt.wantStore)
			}
			t.Logf("%s", r.stdout)
		})
	}
	if n := e.count(`SELECT count(*) FROM papers WHERE arxiv_id = 'astro-ph/0601001'`); n != 1 {
		t.Errorf("astro-ph/0601001, fetched by id: got %d stored, want 1", n)
	}
}

// TestLibraryUploadFetchedInBackground: a library uploaded on the manage
// page of `digestd serve` is stored at once, and its paper not stored yet
// is fetched from arXiv by id in the background, after which the reader's
// model learns from it.
func TestLibraryUploadFetchedInBackground(t *testing.T) {
	base, e := startServe(t, smtptest.Start(t))
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed", "--topic", "agents")
	manage := e.manageLink("ada@example.org")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("library", "arxiv.bib")
	data, err := os.ReadFile(libraryFixtures + "arxiv.bib")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, base+manage+"/library", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", base)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Imported: 5 papers added") {
		t.Fatalf("upload: got %d\n%s\nwant 200, 5 papers added", resp.StatusCode, page)
	}
	if n := e.count(`SELECT count(*) FROM library`); n != 5 {
		t.Errorf("library: got %d papers, want 5 at once", n)
	}
	// The model learns from the library's papers stored: none at first,
	// then the one fetched.
	learned := func() int {
		var b []byte
		if err := e.db().QueryRow(`SELECT model FROM models`).Scan(&b); err != nil {
			return -1
		}
		var m rank.Model
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		return m.Examples
	}
	var stored, examples int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		stored, examples = e.count(`SELECT count(*) FROM papers WHERE arxiv_id = 'astro-ph/0601001'`), learned()
		if stored == 1 && examples == 1 {
			break
		}
	}
	if stored != 1 || examples != 1 {
		t.Errorf("10s after the upload: astro-ph/0601001 stored %d times, the model learned from %d papers; want it stored and learned from", stored, examples)
	}
}

// TestLibraryImportWithoutArxiv: with the arXiv source off, digestd asks
// arXiv nothing: the library is stored, and the command says which papers
// wait for a fetch to bring them.
func TestLibraryImportWithoutArxiv(t *testing.T) {
	src := startSources(t)
	e := newEnv(t, src, nil)
	t.Setenv("DIGESTD_SOURCES_ARXIV_ENABLED", "false")
	e.mustRun("subscribers", "add", "ada@example.org", "--confirmed")
	src.arxiv.Close() // a request to it would fail the import
	out := e.mustRun("library", "import", "ada@example.org", libraryFixtures+"arxiv.bib")
	if want := "not fetched: 5 papers not stored here (sources.arxiv.enabled is off)"; !strings.Contains(out, want) {
		t.Errorf("got\n%s\nwant %q", out, want)
	}
	if n := e.count(`SELECT count(*) FROM library`); n != 5 {
		t.Errorf("library: got %d papers, want 5", n)
	}
}
