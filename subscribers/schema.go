package subscribers

import "github.com/digestd/digestd/internal/schema"

// Schema is the migrations of the tables this package owns: subscribers,
// topics, tokens, feeds and signups. Append only; see schema.Set. Times are Unix
// seconds (UTC).
var Schema = schema.Set{
	Owner: "subscribers",
	Steps: []string{
		`
CREATE TABLE subscribers (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed', 'bounced')),
	frequency     TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
	weekday       INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 0 AND 6),
	hour          INTEGER NOT NULL DEFAULT 7 CHECK (hour BETWEEN 0 AND 23),
	timezone      TEXT NOT NULL DEFAULT 'UTC',
	max_papers    INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	confirmed_at  INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL
);

CREATE TABLE topics (
	id            INTEGER PRIMARY KEY,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	query         TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	UNIQUE (subscriber_id, query)
);

CREATE TABLE tokens (
	hash          BLOB PRIMARY KEY,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	kind          TEXT NOT NULL CHECK (kind IN ('confirm', 'manage')),
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	used_at       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX tokens_subscriber ON tokens(subscriber_id);
`,
		// A reader's personal Atom feed link: one per reader, stored hashed like
		// the tokens, replaced when they ask for a new one. Its own table, not a
		// token kind, so the tokens table keeps its CHECK and its rows.
		`
CREATE TABLE feeds (
	subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
	hash          BLOB NOT NULL UNIQUE,
	created_at    INTEGER NOT NULL
);
`,
		// What a subscribe form asked for, held with its confirmation token
		// until the address's owner confirms (a row goes with its token);
		// when a confirmation's link was mailed, which counts against the
		// hourly mail cap; an index for the purge of expired tokens, and
		// one over the confirmation tokens alone for the hourly count.
		`
CREATE TABLE signups (
	hash      BLOB PRIMARY KEY REFERENCES tokens(hash) ON DELETE CASCADE,
	frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
	weekday   INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	hour      INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
	timezone  TEXT NOT NULL,
	topics    TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE tokens ADD COLUMN mailed_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_expiry ON tokens(expires_at);
CREATE INDEX tokens_confirmations ON tokens(mailed_at) WHERE kind = 'confirm';
`,
		// What a reader taught their digest: "more/fewer like this" votes
		// (the last vote on a paper wins) and the papers of their library,
		// by arXiv id or DOI ("doi:10.…"), whether stored or not.
		`
CREATE TABLE votes (
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	arxiv_id      TEXT NOT NULL,
	up            INTEGER NOT NULL CHECK (up IN (0, 1)),
	at            INTEGER NOT NULL,
	PRIMARY KEY (subscriber_id, arxiv_id)
) WITHOUT ROWID;
CREATE TABLE library (
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	ref           TEXT NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	added_at      INTEGER NOT NULL,
	PRIMARY KEY (subscriber_id, ref)
) WITHOUT ROWID;
`,
	},
	Legacy: []int{1, 3},
}
