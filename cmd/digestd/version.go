package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Build information, stamped by the Makefile with -ldflags -X.
var (
	version = "dev"
	commit  = ""
	built   = ""
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version and build information",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			goVersion, rev := "unknown", commit
			if info, ok := debug.ReadBuildInfo(); ok {
				goVersion = info.GoVersion
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && rev == "" {
						rev = s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "digestd %s\ncommit: %s\nbuilt: %s\ngo: %s\n",
				version, orUnknown(rev), orUnknown(built), goVersion)
		},
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
