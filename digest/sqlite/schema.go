package sqlite

import "github.com/digestd/digestd/internal/schema"

// Schema is the migrations of the tables this package owns: papers and
// their full-text index, the outbox (digests, sent_papers,
// delivery_failures), leases and runs. Append only; see schema.Set. Times are
// Unix seconds (UTC); lists are JSON arrays. papers.text_at is the date
// of the title/abstract version stored, so the newest one wins a merge.
var Schema = schema.Set{
	Owner: "digest",
	Steps: []string{
		`
CREATE TABLE papers (
	id            INTEGER PRIMARY KEY,
	arxiv_id      TEXT NOT NULL UNIQUE,
	version       INTEGER NOT NULL DEFAULT 0,
	title         TEXT NOT NULL,
	abstract      TEXT NOT NULL DEFAULT '',
	authors       TEXT NOT NULL DEFAULT '[]',
	categories    TEXT NOT NULL DEFAULT '[]',
	org           TEXT NOT NULL DEFAULT '',
	upvotes       INTEGER NOT NULL DEFAULT 0,
	published_at  INTEGER NOT NULL,
	text_at       INTEGER NOT NULL DEFAULT 0,
	featured_on   INTEGER NOT NULL DEFAULT 0,
	ai_summary    TEXT NOT NULL DEFAULT '',
	ai_keywords   TEXT NOT NULL DEFAULT '[]',
	github_repo   TEXT NOT NULL DEFAULT '',
	project_page  TEXT NOT NULL DEFAULT '',
	comment       TEXT NOT NULL DEFAULT '',
	doi           TEXT NOT NULL DEFAULT '',
	journal_ref   TEXT NOT NULL DEFAULT '',
	sources       TEXT NOT NULL DEFAULT '',
	arrived_at    INTEGER NOT NULL,
	changed_at    INTEGER NOT NULL
);
CREATE INDEX papers_arrived ON papers(arrived_at);

CREATE VIRTUAL TABLE papers_fts USING fts5(
	title, abstract, authors, categories, org,
	content='papers', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
	INSERT INTO papers_fts(rowid, title, abstract, authors, categories, org)
	VALUES (new.id, new.title, new.abstract, new.authors, new.categories, new.org);
END;
CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors, categories, org)
	VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.categories, old.org);
END;
CREATE TRIGGER papers_au AFTER UPDATE OF title, abstract, authors, categories, org ON papers BEGIN
	INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors, categories, org)
	VALUES ('delete', old.id, old.title, old.abstract, old.authors, old.categories, old.org);
	INSERT INTO papers_fts(rowid, title, abstract, authors, categories, org)
	VALUES (new.id, new.title, new.abstract, new.authors, new.categories, new.org);
END;

CREATE TABLE digests (
	id            INTEGER PRIMARY KEY,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	period        TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
	message_id    TEXT NOT NULL UNIQUE,
	recipient     TEXT NOT NULL,
	message       BLOB,
	papers        INTEGER NOT NULL,
	window_end    INTEGER NOT NULL,
	attempts      INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	sent_at       INTEGER NOT NULL DEFAULT 0,
	UNIQUE (subscriber_id, period)
);
CREATE INDEX digests_pending ON digests(status) WHERE status = 'pending';

CREATE TABLE sent_papers (
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	paper_id      INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
	digest_id     INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
	PRIMARY KEY (subscriber_id, paper_id)
) WITHOUT ROWID;

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind IN ('fetch', 'deliver')),
	started_at    INTEGER NOT NULL,
	finished_at   INTEGER NOT NULL DEFAULT 0,
	fetched       INTEGER NOT NULL DEFAULT 0,
	due           INTEGER NOT NULL DEFAULT 0,
	sent          INTEGER NOT NULL DEFAULT 0,
	failed        INTEGER NOT NULL DEFAULT 0,
	error         TEXT NOT NULL DEFAULT ''
);
`,
		// Why a reader's mail fails, kept across passes: hard counts 5xx refusals
		// of the recipient, soft_nights the periods whose digest met only 4xx
		// replies (last_soft is the latest such period). A delivery clears both.
		`
CREATE TABLE delivery_failures (
	subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
	hard          INTEGER NOT NULL DEFAULT 0,
	soft_nights   INTEGER NOT NULL DEFAULT 0,
	last_soft     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX digests_sent_at ON digests(sent_at) WHERE status = 'sent';
`,
		// Where a reader's next digest starts (Store.histories) is the end of
		// their latest digest not expired: one seek in this index, instead of
		// reading every digest they were ever sent, a pass over 100,000 readers
		// a year old 36 million rows.
		`
CREATE INDEX digests_window ON digests(subscriber_id, window_end) WHERE status != 'expired';
`,
		// The same index over every digest, expired or not: one whose condition
		// names the status changes with it, and marking a digest sent (a
		// transaction a digest) wrote its page each time, a fourth of the
		// pages recording a send writes. Store.histories skips the rare expired digest.
		`
DROP INDEX digests_window;
CREATE INDEX digests_window ON digests(subscriber_id, window_end);
`,
		// sent_papers without its foreign keys to digests and papers: no index
		// leads with digest_id or paper_id, so deleting a digest — as deleting
		// a reader does, each of theirs — read the whole table for its papers,
		// and a year of 100,000 readers' digests is 700 million rows. Only
		// the key to subscribers, the first column of the table's own key,
		// stays. Storing a digest checked both keys for each of its papers, too.
		`
CREATE TABLE sent_papers_new (
	subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	paper_id      INTEGER NOT NULL,
	digest_id     INTEGER NOT NULL,
	PRIMARY KEY (subscriber_id, paper_id)
) WITHOUT ROWID;
INSERT INTO sent_papers_new (subscriber_id, paper_id, digest_id)
	SELECT subscriber_id, paper_id, digest_id FROM sent_papers;
DROP TABLE sent_papers;
ALTER TABLE sent_papers_new RENAME TO sent_papers;
`,
		// One pass at a time, each digest sent by one process (lease.go):
		// leases, their times in Unix milliseconds (a heartbeat is seconds
		// apart), and the lease each pending digest is claimed by ('' for
		// none). maybe_delivered counts the attempts that ended after the
		// final dot of DATA without the relay's answer; retry_ms (Unix
		// milliseconds) is when such a digest may go once more. The
		// partial index keeps `digestd status` from reading every digest
		// to count those.
		`
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	host       TEXT NOT NULL,
	pid        INTEGER NOT NULL,
	started_ms INTEGER NOT NULL,
	taken_ms   INTEGER NOT NULL,
	renewed_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL
);
ALTER TABLE digests ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE digests ADD COLUMN maybe_delivered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digests ADD COLUMN retry_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX digests_maybe ON digests(status) WHERE maybe_delivered > 0;
ALTER TABLE runs ADD COLUMN maybe_delivered INTEGER NOT NULL DEFAULT 0;
`,
		// Each reader's ranking model (digest/rank), as trained on their
		// votes and library: taste says on which, so that a pass retrains
		// only the readers who changed it since.
		`
CREATE TABLE models (
	subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
	taste         TEXT NOT NULL,
	model         BLOB NOT NULL,
	trained_at    INTEGER NOT NULL
);
`,
		// The outbox without an index of message_id: nothing looks a digest
		// up by it, and it is made from (subscriber_id, period), unique
		// already. It is a hash, so the index put each digest stored on a
		// leaf of its own, all over the index: of a batch of 32 digests, 32
		// pages for the commit to write (docs/PERFORMANCE.md, item 59). A
		// column's UNIQUE goes only with its table: the table is built anew.
		`
CREATE TABLE digests_new (
	id              INTEGER PRIMARY KEY,
	subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
	period          TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'expired')),
	message_id      TEXT NOT NULL,
	recipient       TEXT NOT NULL,
	message         BLOB,
	papers          INTEGER NOT NULL,
	window_end      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL DEFAULT 0,
	claim           TEXT NOT NULL DEFAULT '',
	maybe_delivered INTEGER NOT NULL DEFAULT 0,
	retry_ms        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (subscriber_id, period)
);
INSERT INTO digests_new SELECT id, subscriber_id, period, status, message_id, recipient, message, papers,
	window_end, attempts, last_error, created_at, sent_at, claim, maybe_delivered, retry_ms FROM digests;
DROP TABLE digests;
ALTER TABLE digests_new RENAME TO digests;
CREATE INDEX digests_pending ON digests(status) WHERE status = 'pending';
CREATE INDEX digests_sent_at ON digests(sent_at) WHERE status = 'sent';
CREATE INDEX digests_window ON digests(subscriber_id, window_end);
CREATE INDEX digests_maybe ON digests(status) WHERE maybe_delivered > 0;
`,
	},
	Legacy: []int{1, 2, 4, 5, 6},
}
