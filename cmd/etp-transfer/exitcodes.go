package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// Exit codes of etp-transfer. They are part of the command's contract: a
// scheduler can act on them.
const (
	// ExitOK: the command succeeded (every task of a job succeeded).
	ExitOK = 0
	// ExitFailed: the command ran but failed (some task of the job failed, a
	// check could not open a session, a benchmark did not verify).
	ExitFailed = 1
	// ExitUsage: the job file is invalid or the command line is wrong.
	ExitUsage = 2
	// ExitInterrupted: stopped by SIGINT (128+2).
	ExitInterrupted = 130
	// ExitTerminated: stopped by SIGTERM (128+15).
	ExitTerminated = 143
)

// errHelp is returned when -h was asked for: usage was printed, exit 0.
var errHelp = errors.New("help requested")

// usageError marks an error in the command line or the job file (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// signalError is the cancellation cause when a signal stopped the command.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// exitCode maps err to an exit code and prints it to stderr.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return ExitOK
	}
	fmt.Fprintln(stderr, "etp-transfer:", err)
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) || errors.As(err, &sig) {
		if sig.sig == syscall.SIGINT {
			return ExitInterrupted
		}
		return ExitTerminated
	}
	var ue usageError
	if errors.As(err, &ue) {
		var hint string
		if !errors.As(err, new(jobError)) {
			hint = "Try: etp-transfer help"
		}
		if hint != "" {
			fmt.Fprintln(stderr, hint)
		}
		return ExitUsage
	}
	return ExitFailed
}
