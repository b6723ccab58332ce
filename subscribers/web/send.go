package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/digestd/digestd/subscribers"
)

// Sender delivers a reader their digest now, outside their schedule, and
// says how many papers it held (0: nothing matched, nothing sent). The
// papers count as sent: the scheduled digest does not repeat them.
type Sender interface {
	SendNow(ctx context.Context, sub subscribers.Subscriber) (papers int, err error)
}

// sendEvery is how often one reader may ask for a digest now: each ask runs
// their topics and sends a mail, which a scripted loop must not turn into a
// flood.
const sendEvery = 10 * time.Minute

// sendNow answers "send me my digest now".
func (w *Front) sendNow(rw http.ResponseWriter, r *http.Request, sub subscribers.Subscriber) {
	if sub.Status != subscribers.StatusActive && sub.Status != subscribers.StatusPaused {
		w.fail(rw, r, subscribers.Invalidf("%s is %s: subscribe again before asking for a digest", sub.Email, sub.Status))
		return
	}
	if ok, wait := w.sends.allow(strconv.FormatInt(sub.ID, 10)); !ok {
		w.fail(rw, r, tooMany{wait})
		return
	}
	n, err := w.sender.SendNow(r.Context(), sub)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	page := messagePage{Title: "On its way",
		Lines: []string{fmt.Sprintf("A digest of %s is on its way to %s.", papers(n), sub.Email),
			"These papers now count as sent: your scheduled digest comes at your hour with the papers that arrive after this one, if any match."},
		Link: &pageLink{URL: w.baseURL + "/manage/" + r.PathValue("token"), Text: "Back to my settings"}}
	if n == 0 {
		page.Title = "Nothing to send yet"
		page.Lines = []string{"No new paper matches your topics right now, so no mail was sent. Try broader topics, or wait for the next fetch."}
	}
	w.render(rw, http.StatusOK, "message", page)
}

func papers(n int) string {
	if n == 1 {
		return "1 paper"
	}
	return strconv.Itoa(n) + " papers"
}
