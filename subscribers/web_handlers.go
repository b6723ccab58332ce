package subscribers

import (
	"errors"
	"net/http"
)

// form renders a page holding a form, with this browser's form token.
func (w *Web) form(rw http.ResponseWriter, r *http.Request, status int, page string, data formPage) {
	data.CSRF = w.csrf.token(rw, r)
	w.render(rw, status, page, data)
}

func (w *Web) index(rw http.ResponseWriter, r *http.Request) {
	def := DefaultSettings()
	w.form(rw, r, http.StatusOK, "index", formPage{Title: "Subscribe", Form: settingsForm{
		Frequency: string(def.Frequency), Weekday: int(def.Weekday), Hour: def.Hour, Timezone: def.Timezone,
	}})
}

// subscribe answers the same page whatever the address's state, so the form
// tells no one who is subscribed. A pending or unsubscribed address gets a
// confirmation mail (at most one per confirmEvery); an active one, nothing.
func (w *Web) subscribe(rw http.ResponseWriter, r *http.Request) {
	f, set, topics, errs := readForm(r, w.maxPapers)
	email, err := ParseAddress(f.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	if len(errs) > 0 {
		w.form(rw, r, http.StatusBadRequest, "index", formPage{Title: "Subscribe", Form: f, Errors: errs})
		return
	}
	ctx := r.Context()
	sub, err := w.store.ByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		sub, err = w.store.Add(ctx, email, StatusPending, set, topics)
	} else if err == nil && (sub.Status == StatusPending || sub.Status == StatusUnsubscribed) {
		// The settings wait for the owner's click: confirming applies them.
		err = w.store.Update(ctx, sub.ID, set, topics, sub.Status)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if sub.Status == StatusPending || sub.Status == StatusUnsubscribed {
		recent, err := w.store.ConfirmationSentWithin(ctx, sub.ID, confirmEvery)
		if err == nil && !recent {
			err = w.confirmer.SendConfirmation(ctx, sub)
		}
		if err != nil {
			w.fail(rw, r, err)
			return
		}
	}
	w.message(rw, http.StatusOK, "Check your inbox",
		"If "+email+" can be subscribed, a confirmation email is on its way. Click the link in it to start your digest.",
		"Nothing arrived after a few minutes? Look in your spam folder, or send the form again.")
}

func (w *Web) confirm(rw http.ResponseWriter, r *http.Request) {
	sub, err := w.store.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	token, err := w.store.NewToken(r.Context(), sub.ID, TokenManage)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, http.StatusOK, "message", messagePage{
		Title: "You're subscribed",
		Lines: []string{"Your first digest comes at your chosen hour, when new papers match your topics. Every digest has a link to change your topics or to leave."},
		Link:  &pageLink{URL: w.baseURL + "/manage/" + token, Text: "Tune your topics"},
	})
}

// unsubscribePage only shows a button: mail scanners follow links, and a GET
// must never unsubscribe anyone.
func (w *Web) unsubscribePage(rw http.ResponseWriter, r *http.Request, sub Subscriber) {
	w.form(rw, r, http.StatusOK, "unsubscribe", formPage{Title: "Unsubscribe", Subscriber: sub,
		UnsubscribeURL: w.baseURL + "/unsubscribe/" + r.PathValue("token"),
		ManageURL:      w.baseURL + "/manage/" + r.PathValue("token")})
}

// unsubscribe is the button's target and the RFC 8058 one-click target
// (a POST with List-Unsubscribe=One-Click): it answers 200, no redirect.
func (w *Web) unsubscribe(rw http.ResponseWriter, r *http.Request) {
	sub, err := w.store.ByToken(r.Context(), r.PathValue("token"), TokenManage)
	if err == nil && sub.Status != StatusUnsubscribed {
		err = w.store.SetStatus(r.Context(), sub.ID, StatusUnsubscribed)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, http.StatusOK, "message", messagePage{
		Title: "You're unsubscribed",
		Lines: []string{sub.Email + " will get no more digests.", "Left by mistake, or wanted fewer papers? You can subscribe again, or adjust your topics instead."},
		Link:  &pageLink{URL: w.baseURL + "/manage/" + r.PathValue("token"), Text: "Adjust my topics or subscribe again"},
	})
}
