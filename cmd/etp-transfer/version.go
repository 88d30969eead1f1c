package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; when
// unset, the module version recorded by the Go toolchain is used.
var version = ""

// VersionCommand prints the version of etp-transfer and of the Go toolchain.
type VersionCommand struct{ env *commandEnv }

// Run implements the version subcommand.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("version", c.Usage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "etp-transfer %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// Usage prints the help of the version subcommand.
func (c *VersionCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer version

Prints the version of etp-transfer, the Go version it was built with and the platform.
`)
}

// buildVersion returns the version string of this binary.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
