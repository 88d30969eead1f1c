package jobs

import (
	"sort"
	"strconv"
	"strings"
)

// FieldError is one problem in a job file, at a position.
type FieldError struct {
	// File is the job file's name as used for messages.
	File string
	// Line and Column are 1-based; zero when unknown (for example in some YAML
	// syntax errors, which carry a line only).
	Line   int
	Column int
	// Path names the offending value, like "tasks[2].upload_array.uri"; empty for
	// problems with the file as a whole.
	Path string
	// Msg says what is wrong. It quotes the job file's text, never the value an
	// environment variable expanded to.
	Msg string
}

// Error formats the error as "file:line:column: path: message".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(Pos{File: e.File, Line: e.Line, Column: e.Column}.String())
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ValidationError lists every problem found in a job, in file order of discovery.
// Parse and Check return it (as error) whenever the job is invalid; use errors.As
// to list the items.
type ValidationError struct {
	// Errors holds at most MaxErrors items.
	Errors []*FieldError
	// Omitted counts further problems that were found but not listed.
	Omitted int
}

// Error returns one line per item; when items were omitted, a last line says how many.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fe.Error())
	}
	if e.Omitted > 0 {
		if len(e.Errors) > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("... and " + strconv.Itoa(e.Omitted) + " more errors")
	}
	return b.String()
}

// Unwrap returns the items, so errors.As finds a *FieldError.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		out[i] = fe
	}
	return out
}

// errorList collects FieldErrors up to MaxErrors.
type errorList struct {
	errs    []*FieldError
	omitted int
}

func (l *errorList) add(fe *FieldError) {
	if len(l.errs) >= MaxErrors {
		l.omitted++
		return
	}
	l.errs = append(l.errs, fe)
}

// sort orders the errors by position, keeping the order of discovery for ties.
func (l *errorList) sort() {
	sort.SliceStable(l.errs, func(a, b int) bool {
		x, y := l.errs[a], l.errs[b]
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		return x.Column < y.Column
	})
}

func (l *errorList) err() error {
	if len(l.errs) == 0 && l.omitted == 0 {
		return nil
	}
	return &ValidationError{Errors: l.errs, Omitted: l.omitted}
}
