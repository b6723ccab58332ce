package web

import (
	"encoding/json"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

func (w *Front) manage(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	page, err := w.storedPage(r, sub)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, http.StatusOK, "manage", page)
}

// storedPage is the manage page of sub as stored.
func (w *Front) storedPage(r *http.Request, sub subscribers.Subscriber) (formPage, error) {
	topics, err := w.store.Topics(r.Context(), sub.ID)
	if err != nil {
		return formPage{}, err
	}
	return w.managePage(r, sub, formFromSubscriber(sub, topics))
}

// managePage is the manage page's data with f in its form; the
// papers-per-digest field shows the operator's number until the reader
// chooses their own.
func (w *Front) managePage(r *http.Request, sub subscribers.Subscriber, f settingsForm) (formPage, error) {
	if f.MaxPapers == 0 {
		f.MaxPapers = w.maxPapers
	}
	taste, err := w.taste(r.Context(), sub)
	return formPage{Title: "Your digest", Subscriber: sub, Form: f, Taste: taste,
		ManageURL:      w.baseURL + "/manage/" + r.PathValue("token"),
		UnsubscribeURL: w.baseURL + "/unsubscribe/" + r.PathValue("token")}, err
}

// saveManage stores the manage form, or with action=preview (the Preview
// button, for readers without JavaScript) shows what the typed topics would
// catch and stores nothing.
func (w *Front) saveManage(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	f, set, topics, errs := readForm(r, w.maxPapers)
	f.Email = sub.Email
	page, err := w.managePage(r, sub, f)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if r.PostFormValue("action") == "preview" {
		if page.Preview, err = w.previewTopics(r.Context(), sub.ID, f.Topics); err != nil {
			w.fail(rw, r, err)
			return
		}
		w.render(rw, http.StatusOK, "manage", page)
		return
	}
	if len(errs) > 0 {
		page.Errors = errs
		w.render(rw, http.StatusBadRequest, "manage", page)
		return
	}
	status := sub.Status
	switch {
	case f.Paused && status == subscribers.StatusActive:
		status = subscribers.StatusPaused
	case !f.Paused && status == subscribers.StatusPaused:
		status = subscribers.StatusActive
	case r.PostFormValue("resubscribe") != "" && status == subscribers.StatusUnsubscribed:
		status = subscribers.StatusActive // the token came in their own mail: the address is theirs
	}
	if err := w.store.Update(r.Context(), sub.ID, set, topics, status); err != nil {
		w.fail(rw, r, err)
		return
	}
	if page.Subscriber, err = w.store.ByID(r.Context(), sub.ID); err != nil {
		w.fail(rw, r, err)
		return
	}
	page.Saved = "Saved. Your next digest uses these settings."
	w.render(rw, http.StatusOK, "manage", page)
}

// rotate revokes every manage link the reader has (a forwarded digest
// carries one) and shows the one new link.
func (w *Front) rotate(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	token, err := w.store.RotateTokens(r.Context(), sub.ID)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, http.StatusOK, "message", messagePage{
		Title: "Your link is new",
		Lines: []string{"Every earlier manage and unsubscribe link, including those in digests already sent, no longer works.",
			"Bookmark the new one; each new digest carries it too."},
		Link: &pageLink{URL: w.baseURL + "/manage/" + token, Text: "Open my new manage page"},
	})
}

// deleteMe erases the reader and everything about them. The box must be
// ticked: one stray click must not lose someone their topics.
func (w *Front) deleteMe(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	if r.PostFormValue("confirm") != "yes" {
		w.fail(rw, r, subscribers.Invalidf("tick the box to confirm the deletion; nothing was deleted"))
		return
	}
	if err := w.store.Remove(r.Context(), sub.Email); err != nil {
		w.fail(rw, r, err)
		return
	}
	w.message(rw, http.StatusOK, "Everything is deleted",
		"Your address, settings, topics and the record of the digests you got are erased. No more mail will come.")
}

// export hands the reader everything stored about them, as JSON.
func (w *Front) export(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	data, err := w.store.Export(r.Context(), sub.ID)
	if err == nil {
		data.Digests, err = w.history.ExportDigests(r.Context(), sub.ID)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="digestd-my-data.json"`)
	rw.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(data); err != nil {
		w.log.Error("export", "error", err)
	}
}
