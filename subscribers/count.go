package subscribers

import "context"

// Statuses lists every subscriber status, in the order reports show them.
var Statuses = []Status{StatusActive, StatusPending, StatusPaused, StatusUnsubscribed, StatusBounced}

// CountByStatus returns how many subscribers have each status; every status
// is in the map, with 0 when none has it, so reports and metrics show the
// zeros too.
func (s *Store) CountByStatus(ctx context.Context) (map[Status]int, error) {
	counts := make(map[Status]int, len(Statuses))
	for _, st := range Statuses {
		counts[st] = 0
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM subscribers GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			st Status
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}
