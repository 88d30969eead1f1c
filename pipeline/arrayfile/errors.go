package arrayfile

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package that falls into one of
// these classes matches it with errors.Is; the sentinel's own text does not
// appear in the message, which instead names the file and the detail (for
// example expected and actual sizes).
var (
	// ErrInvalid marks a file that is not what it claims to be: bad npy magic,
	// a malformed header, a truncated file or one whose size does not match
	// shape × item size, or raw-file options that contradict the file.
	ErrInvalid = errors.New("arrayfile: invalid array file")

	// ErrUnsupported marks a well-formed file this package deliberately does
	// not handle: Fortran-ordered npy data, element types other than the
	// eleven of DType (complex, object, string, structured, float16...), or
	// an unknown npy format version.
	ErrUnsupported = errors.New("arrayfile: unsupported array file")

	// ErrBlock marks a bad block request: starts/counts of the wrong rank,
	// negative, out of the array's range, or a buffer of the wrong length.
	ErrBlock = errors.New("arrayfile: invalid block")

	// ErrClosed is returned by operations on a Reader or Writer that has been
	// closed, committed or aborted.
	ErrClosed = errors.New("arrayfile: file already closed")
)

// kindError is an error whose message is msg and which matches the sentinel
// kind (and the optional cause err) with errors.Is / errors.As.
type kindError struct {
	kind error
	msg  string
	err  error
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.err}
}

// errorf formats like fmt.Errorf (a %w verb keeps its operand in the chain) and
// returns an error that also matches kind.
func errorf(kind error, format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &kindError{kind: kind, msg: e.Error(), err: errors.Unwrap(e)}
}

// errClosed is what operations on a closed Reader or Writer return (inside
// the usual "arrayfile: <op> <path>:" context); it matches ErrClosed.
var errClosed = &kindError{kind: ErrClosed, msg: "already closed"}
