package storage

import "errors"

// Sentinel errors. Every error returned by this package that a caller may want
// to branch on wraps exactly one of these (test with errors.Is); the wrapping
// message names the operation and the dataspace path, URI or array key
// concerned. The suggested ETP 1.2 error code for each is given in brackets.
var (
	// ErrNotFound reports a missing dataspace, data object or data array
	// [ENOT_FOUND 11].
	ErrNotFound = errors.New("storage: not found")

	// ErrInvalid reports an invalid argument: bad starts/counts or dimensions,
	// a buffer of the wrong length, an unknown element kind, an over-long key,
	// a write outside the dataspaces of a transaction [EINVALID_ARGUMENT 5].
	ErrInvalid = errors.New("storage: invalid argument")

	// ErrBusy reports that a dataspace is held by another open transaction
	// (returned at once by Begin and by auto-committed writes), or that the
	// data directory is opened by another process [EMAX_TRANSACTIONS_EXCEEDED
	// 15 for Begin; clients retry with back-off].
	ErrBusy = errors.New("storage: busy")

	// ErrTooLarge reports an array above Options.MaxArrayBytes, a data object
	// above Options.MaxObjectBytes, or an array whose byte size overflows
	// int64 [EMAXSIZE_EXCEEDED 17].
	ErrTooLarge = errors.New("storage: too large")

	// ErrNotEmpty reports a non-cascading delete of a dataspace that still
	// holds data objects or arrays [ENOCASCADE_DELETE 4003 or EREQUEST_DENIED 6].
	ErrNotEmpty = errors.New("storage: dataspace not empty")

	// ErrUnsupported reports a feature the store does not implement, such as
	// arrays of strings [ENOTSUPPORTED 7].
	ErrUnsupported = errors.New("storage: unsupported")

	// ErrClosed reports use of a closed DB or of a transaction that has
	// already been committed or rolled back.
	ErrClosed = errors.New("storage: closed")
)

// errSpaceMoved is internal: an auto-committed write found that the item it
// addresses moved to a dataspace it does not hold; the caller retries.
var errSpaceMoved = errors.New("storage: item moved to another dataspace concurrently")
