package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/etp-transfer/etp-transfer/jobs"
)

// Options configure a run. The zero value is usable: every task of the job,
// no progress output, logs discarded.
type Options struct {
	// Logger receives structured progress and error logs. Default: discard.
	Logger *slog.Logger
	// ShardIndex and ShardCount select worker ShardIndex's share of the job
	// (see jobs.Job.Shard). ShardCount 0 or 1 runs everything.
	ShardIndex, ShardCount int
	// LookupEnv reads token variables. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Progress, when set, receives byte counts of array transfers as they go.
	Progress Progress
	// Backoff is the wait between attempts of a task. Default 500ms doubling
	// up to 30s, with full jitter.
	Backoff Backoff
}

// Progress receives the progress of array transfers. Implementations must be
// safe for concurrent use.
type Progress interface {
	// Start announces a transfer of total bytes under name and returns the
	// function that receives increments, and one that ends the transfer.
	Start(name string, total int64) (add func(int64), done func(ok bool))
}

// Run executes job: its tasks (or the shard's share of them) as a graph, at
// most job.Concurrency at once, each started when the tasks it depends on
// succeeded, each retried per its retries with backoff while ShouldRetry
// says the error is transient. Sessions to each server are opened when a
// task first needs them and closed at the end; the embedded server is started
// in-process when a task uses it.
//
// Run returns the report and a nil error when it ran the job, whatever the
// tasks' outcome (see Report.Status); an error means the run could not start
// (the lock file is held, the shard is invalid). When ctx is cancelled, Run
// stops starting tasks, cancels those running (rolling back their
// transactions), and returns the report with status "interrupted".
func Run(ctx context.Context, job *jobs.Job, opts *Options) (*Report, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	tasks := job.Tasks
	rep := &Report{Job: job.File, Started: time.Now().UTC()}
	if o.ShardCount > 1 {
		var err error
		if tasks, err = job.Shard(o.ShardIndex, o.ShardCount); err != nil {
			return nil, err
		}
		rep.Shard = fmt.Sprintf("%d/%d", o.ShardIndex, o.ShardCount)
	}
	if job.LockFile != "" {
		unlock, err := lockFile(job.LockFile)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	r := &runner{job: job, opts: o, log: o.Logger, pools: newPools(job, o)}
	defer r.pools.close(context.WithoutCancel(ctx))

	reports := r.runGraph(ctx, tasks, job.Concurrency, nil)
	rep.Tasks = reports
	rep.Finished = time.Now().UTC()
	rep.DurationMS = rep.Finished.Sub(rep.Started).Milliseconds()
	rep.Status = StatusOK
	for _, t := range reports {
		rep.Bytes += t.Bytes
		if t.Status != StatusOK {
			rep.Status = StatusFailed
		}
	}
	if ctx.Err() != nil {
		rep.Status = StatusInterrupted
	}
	return rep, nil
}

// runner holds the state of one run.
type runner struct {
	job   *jobs.Job
	opts  Options
	log   *slog.Logger
	pools *pools
}

// runGraph runs tasks respecting depends_on among them, at most limit at
// once. Within a transaction tx is the transaction's session; nil otherwise.
// It returns one report per task, in the order of tasks.
func (r *runner) runGraph(ctx context.Context, tasks []*jobs.Task, limit int, tx *txScope) []TaskReport {
	if limit < 1 {
		limit = 1
	}
	type node struct {
		done   chan struct{}
		report TaskReport
	}
	nodes := make(map[string]*node, len(tasks))
	for _, t := range tasks {
		nodes[t.Name] = &node{done: make(chan struct{})}
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, t := range tasks {
		n := nodes[t.Name]
		wg.Go(func() {
			defer close(n.done)
			n.report = TaskReport{Name: t.Name, Kind: t.Kind()}
			var failedDeps []string
			interrupted := false
			for _, d := range t.DependsOn {
				dn := nodes[d]
				select {
				case <-dn.done:
					if dn.report.Status != StatusOK {
						failedDeps = append(failedDeps, d)
					}
				case <-ctx.Done():
					interrupted = true
				}
				if interrupted {
					break
				}
			}
			switch {
			case interrupted || ctx.Err() != nil:
				n.report.Status = StatusCancelled
				n.report.Error = "not started: the run was interrupted"
				return
			case len(failedDeps) > 0:
				n.report.Status = StatusSkipped
				n.report.Error = "not started: depends on " + strings.Join(failedDeps, ", ") + ", which did not succeed"
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				n.report.Status = StatusCancelled
				n.report.Error = "not started: the run was interrupted"
				return
			}
			defer func() { <-sem }()
			r.runTask(ctx, t, tx, &n.report)
		})
	}
	wg.Wait()
	out := make([]TaskReport, len(tasks))
	for i, t := range tasks {
		out[i] = nodes[t.Name].report
	}
	return out
}

// runTask runs one task with its retries and fills rep.
func (r *runner) runTask(ctx context.Context, t *jobs.Task, tx *txScope, rep *TaskReport) {
	start := time.Now()
	log := r.log.With("task", t.Name, "kind", t.Kind())
	state := &taskState{}
	attempts := 1 + t.Retries
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		rep.Attempts = attempt
		actx, cancel := ctx, context.CancelFunc(func() {})
		if t.Timeout > 0 {
			actx, cancel = context.WithTimeoutCause(ctx, t.Timeout, fmt.Errorf("task timeout %v reached", t.Timeout))
		}
		log.Info("task started", "attempt", attempt)
		err = r.attempt(actx, t, tx, state, rep)
		if err != nil && actx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w (%v)", err, context.Cause(actx))
		}
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil || attempt == attempts || !ShouldRetry(err) {
			break
		}
		delay := r.opts.Backoff.Delay(attempt)
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("attempt %d failed (retrying in %v): %v", attempt, delay.Round(time.Millisecond), err))
		log.Warn("task attempt failed, retrying", "attempt", attempt, "delay", delay, "err", err)
		if serr := sleep(ctx, delay); serr != nil {
			break
		}
	}
	rep.Retries = rep.Attempts - 1
	rep.err = err
	rep.DurationMS = time.Since(start).Milliseconds()
	if secs := time.Since(start).Seconds(); rep.Bytes > 0 && secs > 0 {
		rep.ThroughputMBps = float64(rep.Bytes) / 1e6 / secs
	}
	switch {
	case err == nil:
		rep.Status = StatusOK
		log.Info("task done", "bytes", rep.Bytes, "duration", time.Since(start))
	case ctx.Err() != nil:
		rep.Status = StatusCancelled
		rep.Error = taskError(t.Name, err).Error()
		log.Warn("task cancelled", "err", err)
	default:
		rep.Status = StatusFailed
		rep.Error = taskError(t.Name, err).Error()
		log.Error("task failed", "err", err)
	}
}

// TaskError is the error of one task, with the place it concerns.
type TaskError struct {
	// Task is the task's name.
	Task string
	// URI and Path name the data object and array the error concerns, when
	// known.
	URI, Path string
	Err       error
}

func (e *TaskError) Error() string {
	var b strings.Builder
	if e.Task != "" {
		b.WriteString("task " + e.Task + ": ")
	}
	if e.URI != "" {
		b.WriteString(e.URI)
	}
	if e.Path != "" {
		b.WriteString(" " + e.Path)
	}
	if e.URI != "" || e.Path != "" {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *TaskError) Unwrap() error { return e.Err }

// taskError names the task in err, keeping the array that err (when it is
// an array's *TaskError) names.
func taskError(task string, err error) *TaskError {
	inner := err
	if p, ok := inner.(*permanentError); ok {
		inner = p.err
	}
	if te, ok := inner.(*TaskError); ok {
		return &TaskError{Task: task, URI: te.URI, Path: te.Path, Err: te.Err}
	}
	return &TaskError{Task: task, Err: err}
}

// arrayError wraps err with the array it concerns (the task's name is added
// by the runner), unless it already names one.
func arrayError(uri, path string, err error) error {
	if err == nil {
		return nil
	}
	var te *TaskError
	if errors.As(err, &te) {
		return err
	}
	var perm *permanentError
	wasPermanent := errors.As(err, &perm)
	var out error = &TaskError{URI: uri, Path: path, Err: err}
	if wasPermanent {
		out = permanent(out)
	}
	return out
}

// arraysInParallel runs fn for items 0..n-1, up to inFlight at a time, and
// returns the first error (cancelling the others' context). It also returns
// the in-flight budget each call gets, so the arrays together keep the
// server's in_flight requests in flight: many small arrays are not
// latency-bound one after the other, and big ones use what one would.
func arraysInParallel(ctx context.Context, n, inFlight int, fn func(ctx context.Context, i, perArray int) error) error {
	parallel := max(1, min(inFlight, n))
	per := max(1, inFlight/parallel)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i := range n {
		g.Go(func() error { return fn(gctx, i, per) })
	}
	return g.Wait()
}
