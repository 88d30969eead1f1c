package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/etp-transfer/etp-transfer/pipeline"
)

// RunCommand runs a job file.
type RunCommand struct{ env *commandEnv }

// Run implements the run subcommand.
func (c *RunCommand) Run(ctx context.Context, args []string) error {
	fs := c.env.newFlagSet("run", c.Usage)
	report := fs.String("report", "", "write the JSON report to `FILE`")
	jsonOut := fs.Bool("json", false, "print the JSON report on stdout instead of the summary")
	lf := addLogFlags(fs)
	shard := fs.String("shard", "", "run worker `i/n`'s share of the tasks (default from JOB_COMPLETION_INDEX and ETP_TRANSFER_SHARDS)")
	progress := fs.String("progress", "auto", "progress bars: auto (on a terminal), on, off")
	noExpand := fs.Bool("no-expand-env", false, "take ${VAR} literally instead of expanding environment variables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("run takes exactly one job file")}
	}
	log, err := lf.logger(c.env.stderr)
	if err != nil {
		return err
	}
	index, count, err := parseShard(*shard, os.Getenv)
	if err != nil {
		return err
	}
	job, err := loadJob(fs.Arg(0), *noExpand)
	if err != nil {
		return err
	}
	opts := &pipeline.Options{Logger: log, ShardIndex: index, ShardCount: count}
	bars, err := newProgress(*progress, c.env.stderr)
	if err != nil {
		return err
	}
	if bars != nil {
		opts.Progress = bars
	}
	rep, err := pipeline.Run(ctx, job, opts)
	if bars != nil {
		bars.Wait()
	}
	if err != nil {
		return err
	}
	if *report != "" {
		if err := rep.WriteFile(*report); err != nil {
			return err
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(c.env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.Summary(c.env.stdout)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if n := rep.Failed(); n > 0 {
		return fmt.Errorf("%d of %d tasks did not succeed", n, len(rep.Tasks))
	}
	return nil
}

// Usage prints the help of the run subcommand.
func (c *RunCommand) Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: etp-transfer run [flags] JOB

Runs the tasks of the job file: independent tasks in parallel (up to the
job's concurrency), each after the tasks it depends on, each retried on
transient errors (dropped connection, busy dataspace) with backoff. Prints a
summary (or, with -json, the report) on stdout; logs go to stderr.

Exit status: 0 every task succeeded, 1 some task failed, 2 invalid job or
command line, 130 interrupted (SIGINT), 143 terminated (SIGTERM). On a signal
no new task starts, running ones are cancelled and their transactions rolled
back; the report is still written. Running the same job again completes it.

Flags:
  -report FILE        write the JSON report to FILE
  -json               print the JSON report on stdout instead of the summary
  -log-format F       text (default) or json
  -log-level L        debug, info (default), warn, error
  -shard i/n          run worker i's share of n (0-based); defaults from the
                      Kubernetes Indexed Job variable JOB_COMPLETION_INDEX and
                      ETP_TRANSFER_SHARDS (the number of workers)
  -progress P         auto (bars on a terminal), on, off
  -no-expand-env      take ${VAR} literally

Examples:

	etp-transfer run examples/quickstart.yaml
	etp-transfer run -report report.json -log-format json nightly.yaml
	etp-transfer run -shard 2/8 big-import.yaml
`)
}

// parseShard reads "-shard i/n", or JOB_COMPLETION_INDEX with
// ETP_TRANSFER_SHARDS when the flag is empty.
func parseShard(flag string, getenv func(string) string) (index, count int, err error) {
	if flag == "" {
		idx := getenv("JOB_COMPLETION_INDEX")
		if idx == "" {
			return 0, 0, nil
		}
		n := getenv("ETP_TRANSFER_SHARDS")
		if n == "" {
			return 0, 0, usageError{errors.New("JOB_COMPLETION_INDEX is set but ETP_TRANSFER_SHARDS (the number of workers) is not; set it to the Job's completions")}
		}
		flag = idx + "/" + n
	}
	i, n, ok := strings.Cut(flag, "/")
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 0 || index >= count {
		return 0, 0, usageError{fmt.Errorf("shard %q: want i/n with 0 <= i < n, e.g. 0/4", flag)}
	}
	return index, count, nil
}

// logFlags are the logging flags shared by the subcommands.
type logFlags struct{ format, level *string }

func addLogFlags(fs interface {
	String(name, value, usage string) *string
}) *logFlags {
	return &logFlags{
		format: fs.String("log-format", "text", "log format: text or json"),
		level:  fs.String("log-level", "info", "log level: debug, info, warn, error"),
	}
}

// logger returns the slog logger the flags ask for, writing to w.
func (f *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(*f.level)); err != nil {
		return nil, usageError{fmt.Errorf("-log-level %q: want debug, info, warn or error", *f.level)}
	}
	ho := &slog.HandlerOptions{Level: level}
	switch *f.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, usageError{fmt.Errorf("-log-format %q: want text or json", *f.format)}
}
