package chunking

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of them, with
// the offending numbers in the message; test with errors.Is.
var (
	// ErrInvalidShape: a shape with no dimensions, more than MaxRank dimensions, a
	// negative dimension, or an element count that overflows int64.
	ErrInvalidShape = errors.New("chunking: invalid shape")

	// ErrInvalidElement: an Element with an unknown branch or a negative width.
	ErrInvalidElement = errors.New("chunking: invalid element")

	// ErrInvalidLimits: a non-positive MaxMessageSize, a negative MaxDataArraySize,
	// Reserve or string length, or Preferred dimensions of the wrong rank or below 1.
	ErrInvalidLimits = errors.New("chunking: invalid limits")

	// ErrMessageTooSmall: the message size limit cannot carry a block of even one
	// element (the fixed overhead of header, identifiers and indices is too large).
	ErrMessageTooSmall = errors.New("chunking: message size limit too small")

	// ErrArrayTooLarge: the whole array is larger than Limits.MaxDataArraySize, so the
	// store would refuse it however it is split (EMAXSIZE_EXCEEDED, BRIEF 5.3).
	ErrArrayTooLarge = errors.New("chunking: array exceeds MaxDataArraySize")

	// ErrBlockIndex: Plan.Block was asked for an index outside [0, Plan.Len()).
	ErrBlockIndex = errors.New("chunking: block index out of range")
)
