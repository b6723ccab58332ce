package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/digestd/digestd/subscribers"
	"github.com/digestd/digestd/subscribers/library"
)

// LibraryFetcher fetches, in the background, the papers of a reader's
// library that are not stored yet, and retrains the reader once they are.
// pipeline.Library implements it.
type LibraryFetcher interface {
	Queue(subscriberID int64)
}

// maxLibraryBytes bounds the library form: a file of library.MaxBytes,
// and room for the multipart envelope.
const maxLibraryBytes = library.MaxBytes + maxFormBytes

// importLibrary adds an uploaded or pasted library (BibTeX, RIS, Zotero CSV,
// or ids one per line) to the reader's, in one transaction, retrains their
// model and queues the papers not stored yet for fetching. A file that
// breaks its format is refused whole, with the line to fix, and nothing is
// stored.
func (w *Front) importLibrary(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	page, err := w.storedPage(r, sub)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	refuse := func(msg string) {
		page.Errors = map[string]string{"library": msg + ". Nothing was imported."}
		w.render(rw, http.StatusBadRequest, "manage", page)
	}
	src, what, err := libraryInput(r)
	if err != nil {
		refuse(err.Error())
		return
	}
	file, err := library.Parse(src)
	src.Close()
	switch {
	case errors.Is(err, library.ErrEmpty):
		refuse(what + " holds nothing to import")
		return
	case err != nil:
		refuse(what + ": " + err.Error())
		return
	}
	added, err := w.store.AddLibrary(r.Context(), sub.ID, file.Refs)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.retrain(r.Context(), sub.ID)
	w.library.Queue(sub.ID)
	if page, err = w.storedPage(r, sub); err != nil {
		w.fail(rw, r, err)
		return
	}
	page.Saved = libraryImported(file, added)
	w.render(rw, http.StatusOK, "manage", page)
}

// libraryInput is the form's library: the uploaded file, else the pasted
// text, and how to name it in an error.
func libraryInput(r *http.Request) (io.ReadCloser, string, error) {
	paste := r.PostFormValue("paste")
	var file io.ReadCloser
	what := "the pasted text"
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["library"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, "", fmt.Errorf("the file %s could not be read: %w", fhs[0].Filename, err)
			}
			file, what = f, "the file "+fhs[0].Filename
		}
	}
	switch {
	case file != nil && strings.TrimSpace(paste) != "":
		file.Close()
		return nil, "", errors.New("a file and pasted text came together: import one, then the other")
	case file != nil:
		return file, what, nil
	case strings.TrimSpace(paste) == "":
		return nil, "", errors.New("choose a file or paste your library first")
	}
	return io.NopCloser(strings.NewReader(paste)), what, nil
}

// libraryImported says what an import added, as the manage page shows it.
func libraryImported(file *library.File, added int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported: %s to your library", plural(added, "paper added", "papers added"))
	if known := len(file.Refs) - added; known > 0 {
		fmt.Fprintf(&b, " (%s in it already)", plural(known, "other was", "others were"))
	}
	b.WriteString(".")
	if n := len(file.Skipped); n > 0 {
		var lines []string
		for _, s := range file.Skipped[:min(n, 5)] {
			lines = append(lines, fmt.Sprint(s.Line))
		}
		if n > 5 {
			lines = append(lines, "…")
		}
		fmt.Fprintf(&b, " %s neither an arXiv id nor a DOI: skipped (line %s).",
			plural(n, "entry had", "entries had"), strings.Join(lines, ", "))
	}
	if d := file.Duplicates; d > 0 {
		fmt.Fprintf(&b, " %s a paper named before.", plural(d, "entry named", "entries named"))
	}
	doiOnly := 0
	for _, ref := range file.Refs {
		if ref.ArxivID == "" {
			doiOnly++
		}
	}
	if doiOnly == 1 {
		b.WriteString(" 1 paper has only a DOI: digestd knows papers by their arXiv id, so it does not count for now.")
	} else if doiOnly > 1 {
		fmt.Fprintf(&b, " %d papers have only a DOI: digestd knows papers by their arXiv id, so they do not count for now.", doiOnly)
	}
	b.WriteString(" Papers not stored here yet are fetched from arXiv in the background; your digest learns from them once they arrive.")
	return b.String()
}

// plural writes n and the words for one or for many: "1 paper added",
// "2 papers added".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
