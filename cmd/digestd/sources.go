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
	if c := a.cfg.Sources.HuggingFace; c.Enabled {
		list = append(list, &hf.Client{URL: c.URL, Download: a.newDownload(), Logger: a.log})
	}
	if arx := a.arxiv(); arx != nil {
		list = append(list, arx)
	}
	return list
}

// newDownload returns a polite HTTP client for one source.
func (a *app) newDownload() *download.Client {
	d := download.New(version)
	d.HTTP.Timeout = a.cfg.Sources.Timeout
	return d
}

// arxiv returns the arXiv source, nil when sources.arxiv.enabled is off.
// Every request of the process to arXiv goes through one download client,
// a.arxivDL: the source's fetches and the library fetches by id keep
// one pace (sources.arxiv.interval) and one connection at a time.
func (a *app) arxiv() *arxiv.Client {
	c := a.cfg.Sources.Arxiv
	if !c.Enabled {
		return nil
	}
	return &arxiv.Client{URL: c.URL, Categories: c.Categories, Query: c.Query, Download: a.arxivDL}
}

// isArxivHost reports whether u points at arXiv itself, whose terms ask for
// at most one request every 3 seconds.
func isArxivHost(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Hostname() == "arxiv.org" || strings.HasSuffix(p.Hostname(), ".arxiv.org"))
}
