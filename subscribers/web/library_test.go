package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digestd/digestd/digest/digesttest"
	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/library"
)

// libraryDir holds the library parser's exports as readers' tools write them.
const libraryDir = "../library/testdata"

// upload posts the manage page's library form with a file named name
// holding data, and paste in its textarea.
func (w *webServer) upload(t *testing.T, path, name string, data []byte, paste string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("library", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.WriteField("paste", paste)
	mw.Close()
	return w.send(t, "POST", path, body.String(), http.Header{"Sec-Fetch-Site": {"same-origin"}, "Content-Type": {mw.FormDataContentType()}})
}

// libraryRefs lists a reader's library as stored, one ref a line.
func libraryRefs(t *testing.T, st *subscribers.Store, id int64) []string {
	t.Helper()
	lib, err := st.Library(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, p := range lib {
		if p.ArxivID != "" {
			refs = append(refs, p.ArxivID)
		} else {
			refs = append(refs, "doi:"+p.DOI)
		}
	}
	return refs
}

// TestLibraryImport: each kind of export, uploaded on the manage page (and
// a list pasted), lands in the reader's library whole, and the page says
// what came in: papers added, entries skipped for want of an id, entries
// folded into an earlier one.
func TestLibraryImport(t *testing.T) {
	tests := []struct {
		file, paste string
		wantRefs    int
		want        []string
	}{
		{file: "zotero.bib", wantRefs: 5, want: []string{"Imported: 5 papers added", "1 entry had neither an arXiv id nor a DOI: skipped (line 65)", "2 papers have only a DOI"}},
		{file: "scholar.bib", wantRefs: 5, want: []string{"Imported: 5 papers added", "2 entries had neither an arXiv id nor a DOI: skipped (line 16, 24)", "1 paper has only a DOI"}},
		{file: "zotero.ris", wantRefs: 5, want: []string{"Imported: 5 papers added", "skipped (line 69)"}},
		{file: "zotero.csv", wantRefs: 5, want: []string{"Imported: 5 papers added", "skipped (line 6)"}},
		{file: "list.txt", wantRefs: 10, want: []string{"Imported: 10 papers added", "2 entries named a paper named before"}},
		{paste: "list.txt", wantRefs: 10, want: []string{"Imported: 10 papers added"}},
	}
	for _, tt := range tests {
		name := tt.file
		if tt.paste != "" {
			name = tt.paste + ", pasted"
		}
		t.Run(name, func(t *testing.T) {
			w := newWeb(t)
			ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
			path := "/manage/" + token(t, w.store, ann.ID, subscribers.TokenManage) + "/library"
			var resp *http.Response
			var body string
			if tt.paste != "" {
				data, err := os.ReadFile(filepath.Join(libraryDir, tt.paste))
				if err != nil {
					t.Fatal(err)
				}
				resp, body = w.post(t, path, url.Values{"paste": {string(data)}}.Encode())
			} else {
				data, err := os.ReadFile(filepath.Join(libraryDir, tt.file))
				if err != nil {
					t.Fatal(err)
				}
				resp, body = w.upload(t, path, tt.file, data, "")
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200\n%s", resp.StatusCode, body)
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("got no %q in\n%s", want, body)
				}
			}
			if got := libraryRefs(t, w.store, ann.ID); len(got) != tt.wantRefs {
				t.Errorf("library: got %d papers %q, want %d", len(got), got, tt.wantRefs)
			}
			if !strings.Contains(body, "Library: <strong>"+strconv.Itoa(tt.wantRefs)+"</strong> papers") {
				t.Errorf("the page does not count the %d papers of the library:\n%s", tt.wantRefs, body)
			}
			// The same file again adds nothing.
			if tt.file != "" {
				data, _ := os.ReadFile(filepath.Join(libraryDir, tt.file))
				_, body = w.upload(t, path, tt.file, data, "")
				if !strings.Contains(body, "Imported: 0 papers added to your library ("+strconv.Itoa(tt.wantRefs)+" others were in it already)") {
					t.Errorf("the same file again: got\n%s\nwant 0 added, %d in it already", body, tt.wantRefs)
				}
			}
		})
	}
}

// TestLibraryRefused: a library that breaks its format, or no library, is
// refused on the manage page with what to fix, the line named, and
// nothing is stored; a file as large as the parser reads passes the
// form's limit, a larger body gets 413.
func TestLibraryRefused(t *testing.T) {
	big := append([]byte("2410.04444\n# "), bytes.Repeat([]byte("x"), library.MaxBytes-len("2410.04444\n# \n"))...)
	big = append(big, '\n')
	tests := []struct {
		name, file string
		data       []byte
		paste      string
		wantStatus int
		want       string
		wantRefs   int
	}{
		{"bibtex brace never closed", "broken.bib", []byte("@article{a, eprint={2401.01234}}\n@article{smith2024,\n  title = {Things,\n  year = 2024\n"), "", 400,
			"the file broken.bib: line 3: unbalanced &#34;{&#34; in field &#34;title&#34; of entry &#34;smith2024&#34;. Nothing was imported.", 0},
		{"ris record without ER", "broken.ris", []byte("TY  - JOUR\nTI  - A\nUR  - https://arxiv.org/abs/2401.01234\nTY  - JOUR\n"), "", 400, "the file broken.ris: line", 0},
		{"list line that is no id", "", nil, "2401.01234\nnot an id at all\n", 400, "the pasted text: line 2:", 0},
		{"a file and a paste", "list.txt", []byte("2401.01234\n"), "2401.01235\n", 400, "a file and pasted text came together", 0},
		{"nothing", "", nil, "  \n", 400, "choose a file or paste your library first", 0},
		{"empty file", "empty.bib", []byte(" \n"), "", 400, "the file empty.bib holds nothing to import. Nothing was imported.", 0},
		{"a file as large as the parser reads", "big.txt", big, "", 200, "Imported: 1 paper added", 1},
		{"a body over the limit", "huge.txt", append(big, bytes.Repeat([]byte("x"), 70<<10)...), "", 413, "larger than we accept", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWeb(t)
			ann := digesttest.AddReader(t, w.store, "ann@example.org", subscribers.StatusActive, "lora")
			path := "/manage/" + token(t, w.store, ann.ID, subscribers.TokenManage) + "/library"
			resp, body := w.upload(t, path, tt.file, tt.data, tt.paste)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Errorf("got %d\n%.3000s\nwant %d with %q", resp.StatusCode, body, tt.wantStatus, tt.want)
			}
			if got := libraryRefs(t, w.store, ann.ID); len(got) != tt.wantRefs {
				t.Errorf("library: got %q, want %d papers", got, tt.wantRefs)
			}
		})
	}
}
