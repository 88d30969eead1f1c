// Command etp-transfer moves numeric arrays and RESQML/EML data objects to and
// from ETP 1.2 stores, driven by declarative YAML jobs.
//
// Subcommands: run, validate, plan, check, serve, bench, version. Each prints
// its own help with -h. Exit codes are documented in exitcodes.go and README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs the command line args and returns the process exit code. It is
// separate from main so tests can run the CLI in-process.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := withSignals(ctx)
	defer stop()
	err := dispatch(ctx, args, stdin, stdout, stderr)
	return exitCode(ctx, err, stderr)
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageError{errors.New("no subcommand given")}
	}
	env := &commandEnv{stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return (&RunCommand{env: env}).Run(ctx, rest)
	case "validate":
		return (&ValidateCommand{env: env}).Run(ctx, rest)
	case "plan":
		return (&PlanCommand{env: env}).Run(ctx, rest)
	case "check":
		return (&CheckCommand{env: env}).Run(ctx, rest)
	case "serve":
		return (&ServeCommand{env: env}).Run(ctx, rest)
	case "bench":
		return (&BenchCommand{env: env}).Run(ctx, rest)
	case "version":
		return (&VersionCommand{env: env}).Run(ctx, rest)
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return nil
	default:
		usage(stderr)
		return usageError{fmt.Errorf("unknown subcommand %q", cmd)}
	}
}

// commandEnv carries the standard streams so tests can capture them.
type commandEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints usage text through usageFn.
func (e *commandEnv) newFlagSet(name string, usageFn func(io.Writer)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { usageFn(e.stderr) }
	return fs
}

// parseFlags parses args, turning -h into errHelp and other flag errors into
// usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, `etp-transfer moves arrays and data objects to and from ETP 1.2 stores.

Usage:

	etp-transfer <command> [arguments]

Commands:

	run       run a job file
	validate  check a job file without connecting to anything
	plan      show what a job would do (tasks, order, blocks, bytes) without writing
	check     open a session with a server and print what it negotiates
	serve     run the embedded ETP 1.2 store server
	bench     measure upload and download throughput against a server
	version   print the version

Run 'etp-transfer <command> -h' for the arguments of a command.
`)
}

// withSignals cancels the returned context on the first SIGINT or SIGTERM and
// records which signal it was, so the exit code can say so.
func withSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(signalError{sig.(syscall.Signal)})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
