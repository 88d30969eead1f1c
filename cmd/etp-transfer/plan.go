package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/etp-transfer/etp-transfer/pipeline"
)

// PlanCommand shows what a job would do, without connecting or writing.
type PlanCommand struct{ env *commandEnv }

// Run implements the plan subcommand.
func (c *PlanCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("plan", c.Usage)
	shard := fs.String("shard", "", "plan worker `i/n`'s share of the tasks")
	noExpand := fs.Bool("no-expand-env", false, "take ${VAR} literally instead of expanding environment variables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("plan takes exactly one job file")}
	}
	index, count, err := parseShard(*shard, os.Getenv)
	if err != nil {
		return err
	}
	job, err := loadJob(fs.Arg(0), *noExpand)
	if err != nil {
		return err
	}
	return pipeline.WritePlan(c.env.stdout, job, index, count)
}

// Usage prints the help of the plan subcommand.
func (c *PlanCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer plan [-shard i/n] [-no-expand-env] JOB

Validates the job like 'validate', then prints what 'run' would do: the tasks
step by step in dependency order, and for each array upload its element
type, shape, bytes and the number of blocks at the server's max_message_size
(the negotiated limit can only be smaller). Connects to nothing, writes
nothing.

Example:

	etp-transfer plan examples/quickstart.yaml
`)
}
