package hdf5

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error of this package that falls into one of these
// classes matches it with errors.Is; the message itself names the file, the
// object path and, for corrupt structures, the file offset.
var (
	// ErrInvalid marks a file that is not valid HDF5 or is corrupt: a bad
	// signature or checksum, a structure that runs past the end of the file,
	// sizes that contradict each other.
	ErrInvalid = errors.New("hdf5: invalid file")

	// ErrUnsupported marks valid HDF5 that this package deliberately does
	// not handle: external links, virtual datasets, string or compound
	// element types, filters other than deflate, shuffle and fletcher32, and
	// the other features doc.go lists as refused.
	ErrUnsupported = errors.New("hdf5: unsupported feature")

	// ErrNotFound marks a path that names no object, or names a group where
	// a dataset was asked for.
	ErrNotFound = errors.New("hdf5: no such dataset")

	// ErrBlock marks a bad block request: starts/counts of the wrong rank,
	// negative or out of range, or a buffer of the wrong length.
	ErrBlock = errors.New("hdf5: invalid block")

	// ErrClosed is returned by operations on a File or Writer that has been
	// closed or aborted.
	ErrClosed = errors.New("hdf5: file already closed")
)

// kindError is an error whose text is msg and which matches kind (and the
// optional cause err) with errors.Is and errors.As.
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

// errorf formats like fmt.Errorf (a %w operand stays in the chain) and
// returns an error that also matches kind.
func errorf(kind error, format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &kindError{kind: kind, msg: e.Error(), err: errors.Unwrap(e)}
}

// corrupt returns an ErrInvalid error naming the structure and its offset.
func corrupt(what string, off int64, format string, args ...any) error {
	return errorf(ErrInvalid, "%s at offset %d: %s", what, off, fmt.Sprintf(format, args...))
}

// unsupported returns an ErrUnsupported error.
func unsupported(format string, args ...any) error {
	return errorf(ErrUnsupported, format, args...)
}
