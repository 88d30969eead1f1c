package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/etp-transfer/etp-transfer/jobs"
)

// ValidateCommand checks a job file without connecting to anything.
type ValidateCommand struct{ env *commandEnv }

// Run implements the validate subcommand.
func (c *ValidateCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("validate", c.Usage)
	noExpand := fs.Bool("no-expand-env", false, "take ${VAR} literally instead of expanding environment variables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("validate takes exactly one job file")}
	}
	job, err := loadJob(fs.Arg(0), *noExpand)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "%s: ok, %d tasks\n", fs.Arg(0), countTasks(job.Tasks))
	return nil
}

// Usage prints the help of the validate subcommand.
func (c *ValidateCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer validate [-no-expand-env] JOB

Parses the job file, applies defaults and checks it: syntax, unknown keys,
types, URIs, dependencies, and that input files exist and token variables are
set. Connects to nothing and writes nothing. Each problem is printed as
file:line:column: path: message. Exit status 0 when valid, 2 when not.

Example:

	etp-transfer validate examples/quickstart.yaml
`)
}

// jobError marks an invalid job file (exit 2, no "Try" hint: the message says
// what to fix).
type jobError struct{ err error }

func (e jobError) Error() string { return e.err.Error() }
func (e jobError) Unwrap() error { return e.err }

// loadJob parses and checks the job file at path. Problems in the job are
// usage errors, so they exit with status 2.
func loadJob(path string, noExpandEnv bool) (*jobs.Job, error) {
	job, err := jobs.ParseFile(path, &jobs.ParseOptions{NoExpandEnv: noExpandEnv})
	if err == nil {
		err = job.Check(nil)
	}
	if err != nil {
		return nil, usageError{jobError{err}}
	}
	return job, nil
}

// countTasks counts tasks, those inside transactions included.
func countTasks(ts []*jobs.Task) int {
	n := 0
	for _, t := range ts {
		n++
		if t.Transaction != nil {
			n += countTasks(t.Transaction.Tasks)
		}
	}
	return n
}
