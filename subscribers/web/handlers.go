package web

import (
	"fmt"
	"net/http"

	"github.com/digestd/digestd/subscribers"
)

func (w *Front) index(rw http.ResponseWriter, r *http.Request) {
	def := subscribers.DefaultSettings()
	w.render(rw, http.StatusOK, "index", formPage{Title: "Subscribe", Form: settingsForm{
		Frequency: string(def.Frequency), Weekday: int(def.Weekday), Hour: def.Hour, Timezone: def.Timezone,
	}})
}

// subscribe holds what the form asks with a confirmation link and queues
// its mail; nothing stored about a known reader changes until the owner of
// the address confirms. The work, the page and its time are the same
// whatever the address's state, so the form tells no one who subscribed.
func (w *Front) subscribe(rw http.ResponseWriter, r *http.Request) {
	f, set, topics, errs := readForm(r, w.maxPapers)
	email, err := subscribers.ParseAddress(f.Email)
	if err != nil {
		errs["email"] = err.Error()
	}
	if len(errs) > 0 {
		w.render(rw, http.StatusBadRequest, "index", formPage{Title: "Subscribe", Form: f, Errors: errs})
		return
	}
	su, err := w.store.SignUp(r.Context(), email, set, topics)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if su.Token != "" {
		w.confirmer.Queue(su)
	}
	w.message(rw, http.StatusOK, "Check your inbox",
		"If "+email+" can be subscribed, a confirmation email is on its way. Open the link in it and press the button to start your digest.",
		"Nothing arrived after a few minutes? Look in your spam folder, or send the form again.")
}

// confirmData is the data of confirm.html.
type confirmData struct {
	Title      string
	Signup     subscribers.Signup
	Schedule   string
	ConfirmURL string
}

// confirmPage shows what confirming applies, and the button that does it:
// mail scanners fetch every link in a mail, so a GET confirms nothing.
func (w *Front) confirmPage(rw http.ResponseWriter, r *http.Request) {
	su, err := w.store.SignupByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, http.StatusOK, "confirm", confirmData{Title: "Confirm your subscription", Signup: su,
		Schedule: schedule(su.Settings), ConfirmURL: w.baseURL + "/confirm/" + su.Token})
}

// schedule says when digests come: "daily at 07:00, Europe/Berlin time".
func schedule(set subscribers.Settings) string {
	when := "daily"
	if set.Frequency == subscribers.Weekly {
		when = "weekly, on " + set.Weekday.String() + "s,"
	}
	return fmt.Sprintf("%s at %02d:00, %s time", when, set.Hour, set.Timezone)
}

// confirm is the confirmation page's button: it applies the signup and
// opens the reader's manage link.
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
	w.render(rw, http.StatusOK, "unsubscribe", formPage{Title: "Unsubscribe", Subscriber: sub,
		UnsubscribeURL: w.baseURL + "/unsubscribe/" + r.PathValue("token"),
		ManageURL:      w.baseURL + "/manage/" + r.PathValue("token")})
}

// unsubscribe is the button's target and the RFC 8058 one-click target
// (a POST with List-Unsubscribe=One-Click, from the mail provider's
// servers): the link is the only credential either carries. It answers
// 200, no redirect.
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
