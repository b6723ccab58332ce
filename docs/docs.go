// Package docs embeds the documentation a running digestd serves: the topic
// language's guide, shown at /help/topics.
package docs

import _ "embed"

// Topics is docs/TOPICS.md, the topic language's guide, as Markdown.
//
//go:embed TOPICS.md
var Topics []byte
