package main

import (
	"context"
	"encoding/json"
	"io"

	"github.com/digestd/digestd/subscribers"
)

// exportedSubscriber is one subscriber in `subscribers export --format json`:
// the CSV columns, plus what CSV leaves out.
type exportedSubscriber struct {
	Email     string   `json:"email"`
	Status    string   `json:"status"`
	Topics    []string `json:"topics"`
	Frequency string   `json:"frequency"`
	Weekday   string   `json:"weekday"`
	Hour      int      `json:"hour"`
	Timezone  string   `json:"timezone"`
	MaxPapers int      `json:"max_papers"`
}

// writeSubscribersJSON writes every subscriber as one JSON array, a page at
// a time and one object per line, so memory stays flat however long the list.
func writeSubscribersJSON(ctx context.Context, store *subscribers.Store, w io.Writer) error {
	enc := json.NewEncoder(w)
	sep := "[\n"
	var after int64
	for {
		page, err := store.List(ctx, subscribers.ListOptions{AfterID: after})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, sub := range page {
			topics, err := store.Topics(ctx, sub.ID)
			if err != nil {
				return err
			}
			e := exportedSubscriber{Email: sub.Email, Status: string(sub.Status), Topics: []string{},
				Frequency: string(sub.Frequency), Weekday: sub.Weekday.String(), Hour: sub.Hour,
				Timezone: sub.Timezone, MaxPapers: sub.MaxPapers}
			for _, t := range topics {
				e.Topics = append(e.Topics, t.Query)
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			if err := enc.Encode(e); err != nil {
				return err
			}
			sep = ","
		}
		after = page[len(page)-1].ID
	}
	if sep == "[\n" {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	_, err := io.WriteString(w, "]\n")
	return err
}
