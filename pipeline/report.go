package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Task statuses in a Report.
const (
	StatusOK        = "ok"        // the task did all its work
	StatusFailed    = "failed"    // the task failed after its attempts
	StatusSkipped   = "skipped"   // a dependency failed, so the task did not start
	StatusCancelled = "cancelled" // the run was interrupted before or while it ran
	// StatusInterrupted is a Report's status when a signal stopped the run.
	StatusInterrupted = "interrupted"
)

// Report is the outcome of a run, written as JSON by --report. Its field
// names are a stable contract: tools reading it should ignore unknown fields.
type Report struct {
	Job      string    `json:"job"`
	Shard    string    `json:"shard,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Status is ok when every task succeeded, failed when some task failed or
	// was skipped, interrupted when a signal stopped the run.
	Status     string       `json:"status"`
	DurationMS int64        `json:"duration_ms"`
	Bytes      int64        `json:"bytes"`
	Tasks      []TaskReport `json:"tasks"`
}

// TaskReport is one task's line of a Report.
type TaskReport struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Attempts is how many times the task was started; Retries = Attempts-1.
	Attempts int `json:"attempts"`
	Retries  int `json:"retries"`
	// Bytes is the array payload and object bytes moved; Messages the ETP
	// requests sent; Objects the data objects written, read or deleted.
	Bytes          int64   `json:"bytes"`
	Messages       int64   `json:"messages"`
	Objects        int     `json:"objects,omitempty"`
	DurationMS     int64   `json:"duration_ms"`
	ThroughputMBps float64 `json:"throughput_mbps,omitempty"`
	Error          string  `json:"error,omitempty"`
	// Warnings lists what went wrong but was recovered (a retried attempt).
	Warnings []string `json:"warnings,omitempty"`
	// Output is the task's result where it has one (list: the resources).
	Output any `json:"output,omitempty"`
	// Tasks are the reports of a transaction's tasks.
	Tasks []TaskReport `json:"tasks,omitempty"`

	err error // the final error, for callers that decide on retries
}

// Failed reports the number of tasks that did not end ok.
func (r *Report) Failed() int {
	n := 0
	for _, t := range r.Tasks {
		if t.Status != StatusOK {
			n++
		}
	}
	return n
}

// WriteFile writes the report as indented JSON to path, atomically (a
// temporary file renamed into place).
func (r *Report) WriteFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Summary writes a one-screen human summary of the report to w.
func (r *Report) Summary(w io.Writer) {
	counts := map[string]int{}
	for _, t := range r.Tasks {
		counts[t.Status]++
	}
	var parts []string
	for _, s := range []string{StatusOK, StatusFailed, StatusSkipped, StatusCancelled} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	dur := r.Finished.Sub(r.Started).Round(time.Millisecond)
	fmt.Fprintf(w, "%s: %s in %v, %s moved (%s)\n", r.Job, r.Status, dur, formatBytes(r.Bytes), strings.Join(parts, ", "))
	tasks := append([]TaskReport(nil), r.Tasks...)
	sort.SliceStable(tasks, func(i, j int) bool { return rank(tasks[i].Status) < rank(tasks[j].Status) })
	for _, t := range tasks {
		line := fmt.Sprintf("  %-9s %-28s %-16s %10s %8v", t.Status, t.Name, t.Kind, formatBytes(t.Bytes), time.Duration(t.DurationMS)*time.Millisecond)
		if t.ThroughputMBps > 0 {
			line += fmt.Sprintf(" %8.1f MB/s", t.ThroughputMBps)
		}
		switch {
		case t.Objects == 1:
			line += " 1 object"
		case t.Objects > 1:
			line += fmt.Sprintf(" %d objects", t.Objects)
		}
		if t.Retries > 0 {
			line += fmt.Sprintf(" (%d retries)", t.Retries)
		}
		fmt.Fprintln(w, line)
		if t.Error != "" {
			fmt.Fprintf(w, "            error: %s\n", t.Error)
		}
	}
}

func rank(status string) int {
	switch status {
	case StatusFailed:
		return 0
	case StatusCancelled:
		return 1
	case StatusSkipped:
		return 2
	}
	return 3
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
