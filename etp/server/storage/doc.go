// Package storage is the storage layer of the embedded ETP 1.2 store server:
// dataspaces, data objects (XML bytes) and data arrays (N-D, row-major,
// fixed-width little-endian elements), with write transactions.
//
// Open opens a store in a data directory; OpenMemory opens a throw-away one
// (same code, temporary directory removed on Close) for tests. DB offers
// auto-committed reads and writes; Begin starts a Tx offering the same
// methods (both implement ReadWriter) whose writes become visible atomically
// at Commit. The server maps the sentinel errors (ErrNotFound, ErrInvalid,
// ErrBusy, ErrTooLarge, ErrNotEmpty, ErrUnsupported, ErrClosed) to ETP error
// codes with errors.Is; each error's doc names the suggested code.
//
// # Layout on disk
//
// Metadata (dataspaces, objects with their XML, array metadata) lives in
// dir/meta.db, a bbolt database. Each array's payload is a file of its own,
// dir/arrays/<random id>.arr, holding exactly product(dimensions) ×
// element size bytes in row-major order. Files are created sparse
// (Truncate), so allocating a large uninitialized array (ETP
// PutUninitializedDataArrays) is instant, and sub-array writes (ETP
// PutDataSubarrays) go in place at the block's offset, one WriteAt per
// contiguous run, without rewriting the array.
//
// # Semantics
//
// Objects are keyed by the canonical URI string the caller gives, plus the
// dataspace path, qualified type, uuid and title; the store does not parse
// URIs. Arrays are keyed by (URI, pathInResource) (ETP
// DataArrayIdentifier); the URI is that of the data object owning the array
// storage, and deleting that object deletes its arrays. Put operations are
// upserts. Objects go only into existing dataspaces; the default dataspace ""
// (eml:///) always exists. Deleting a dataspace that still holds objects or
// arrays needs cascade=true. Times are microseconds since the Unix epoch,
// UTC, set by the store, strictly increasing within one DB. String arrays
// are refused with ErrUnsupported.
//
// # Transactions and concurrency
//
// All methods are safe for concurrent use. A dataspace is held by at most one
// Tx; Begin on a held dataspace fails at once with ErrBusy (an ETP server
// answers EMAX_TRANSACTIONS_EXCEEDED and the client retries), and so do
// auto-committed writes to it. Reads never wait for writers and see committed
// data only; a Tx also sees its own writes. Arrays created in a Tx get new
// files; the first Tx write into an existing array copies it first
// (copy-on-write), so its readers keep seeing the original until Commit.
// Auto-committed WriteBlock writes in place. See Tx and DB for details.
//
// # Crash safety
//
// A payload is written (and, unless Options.NoSync, fsynced) before the
// metadata that points at it is committed, and all metadata of a Commit
// switches in one bbolt transaction. After the process is killed at any
// moment, Open finds every committed write, nothing of an uncommitted Tx, no
// torn metadata, and it removes payload files no metadata refers to (left by
// a crash or a rollback). The one exception is an auto-committed WriteBlock
// that had not returned: its block may be partly written (each byte old or
// new), as an ETP client must expect of a failed PutDataSubarrays.
//
// # Limits
//
// Options.MaxArrayBytes and Options.MaxObjectBytes cap sizes (ErrTooLarge).
// Keys (URIs, paths) are at most MaxKeyLen bytes and arrays have at most
// MaxDims dimensions (ErrInvalid). A Tx keeps the objects and metadata it
// writes in memory until it ends.
package storage
