// Package templates holds digestd's email and page templates, embedded in the
// binary so a deployment is one file.
package templates

import "embed"

// FS holds the embedded templates under their directory names: email/ for the
// digest and confirmation mails, pages/ for the web front (with its
// stylesheet). They are parsed once, at start-up, by whoever renders them.
//
//go:embed email pages
var FS embed.FS
