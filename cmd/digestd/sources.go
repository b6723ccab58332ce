package main

import (
	"net/url"
	"strings"

	"github.com/digestd/digestd/digest"
	"github.com/digestd/digestd/digest/arxiv"
	"github.com/digestd/digestd/digest/download"
	"github.com/digestd/digestd/digest/hf"
)

// sources returns the enabled sources, each with its own polite HTTP client:
// arXiv's pace must not slow Hugging Face down.
func (a *app) sources() []digest.Source {
	var list []digest.Source
	newDownload := func() *download.Client {
		d := download.New(version)
		d.HTTP.Timeout = a.cfg.Sources.Timeout
		return d
	}
	if c := a.cfg.Sources.HuggingFace; c.Enabled {
		list = append(list, &hf.Client{URL: c.URL, Download: newDownload(), Logger: a.log})
	}
	if c := a.cfg.Sources.Arxiv; c.Enabled {
		d := newDownload()
		d.MinInterval = c.Interval
		list = append(list, &arxiv.Client{URL: c.URL, Categories: c.Categories, Query: c.Query, Download: d})
	}
	return list
}

// isArxivHost reports whether u points at arXiv itself, whose terms ask for
// at most one request every 3 seconds.
func isArxivHost(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Hostname() == "arxiv.org" || strings.HasSuffix(p.Hostname(), ".arxiv.org"))
}
