package web

import (
	"errors"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

// form renders a page holding a form, with this browser's form token.
func (w *Front) form(rw http.ResponseWriter, r *http.Request, status int, page string, data formPage) {
	data.CSRF = w.csrf.token(rw, r)
	w.render(rw, status, page, data)
}

func (w *Front) index(rw http.ResponseWriter, r *http.Request) {
	def := subscribers.DefaultSettings()
	w.form(rw, r, http.StatusOK, "index", formPage{Title: "Subscribe", Form: settingsForm{
		Frequency: string(def.Frequency), Weekday: int(def.Weekday), Hour: def.Hour, Timezone: def.Timezone,
	}})
}

// subscribe answers the same page whatever the address's state, so the form
// tells no one who is subscribed. A pending or unsubscribed address gets a
// confirmation mail (at most one per confirmEvery); an active one, nothing.
func (w *Front) subscribe(rw http.ResponseWriter, r *http.Request) {
	f, set, topics, errs := readForm(r, w.maxPapers)
	email, err := subscribers.ParseAddress(f.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	if len(errs) > 0 {
		w.form(rw, r, http.StatusBadRequest, "index", formPage{Title: "Subscribe", Form: f, Errors: errs})
		return
	}
	ctx := r.Context()
	sub, err := w.store.ByEmail(ctx, email)
	if errors.Is(err, subscribers.ErrNotFound) {
		sub, err = w.store.Add(ctx, email, subscribers.StatusPending, set, topics)
	} else if err == nil && (sub.Status == subscribers.StatusPending || sub.Status == subscribers.StatusUnsubscribed) {
		// The settings wait for the owner's click: confirming applies them.
		err = w.store.Update(ctx, sub.ID, set, topics, sub.Status)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if sub.Status == subscribers.StatusPending || sub.Status == subscribers.StatusUnsubscribed {
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

func (w *Front) confirm(rw http.ResponseWriter, r *http.Request) {
	sub, err := w.store.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	token, err := w.store.NewToken(r.Context(), sub.ID, subscribers.TokenManage)
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
func (w *Front) unsubscribePage(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	w.form(rw, r, http.StatusOK, "unsubscribe", formPage{Title: "Unsubscribe", Subscriber: sub,
		UnsubscribeURL: w.baseURL + "/unsubscribe/" + r.PathValue("token"),
		ManageURL:      w.baseURL + "/manage/" + r.PathValue("token")})
}

// unsubscribe is the button's target and the RFC 8058 one-click target
// (a POST with List-Unsubscribe=One-Click): it answers 200, no redirect.
func (w *Front) unsubscribe(rw http.ResponseWriter, r *http.Request) {
	sub, err := w.store.ByToken(r.Context(), r.PathValue("token"), subscribers.TokenManage)
	if err == nil && sub.Status != subscribers.StatusUnsubscribed {
		err = w.store.SetStatus(r.Context(), sub.ID, subscribers.StatusUnsubscribed)
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
