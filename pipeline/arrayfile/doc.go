// Package arrayfile reads and writes N-dimensional numeric arrays in local
// files, block by block, so that arrays of many GiB move with bounded memory.
//
// A block is a row-major sub-box of the array given by starts and counts, one
// entry per dimension, as in ETP 1.2 GetDataSubarrays / PutDataSubarrays
// (Protocol 9, DataArray). Blocks travel as little-endian element bytes in
// the block's own row-major order, whatever the file's byte order, which is
// what the ETP binary encoding of numeric arrays carries.
//
// Entry points:
//
//   - Open returns a Reader for an npy or raw file; Reader.ReadBlock reads a
//     block, Reader.Checksum hashes the whole array in order.
//   - Create returns a Writer; Writer.WriteBlock writes a block,
//     Writer.Commit puts the finished file in place, Writer.Abort (or Close)
//     discards it.
//   - DType, ByteOrder, ParseDType, ParseDescr and ParseByteOrder name
//     element types; Elements multiplies a shape with overflow checks.
//
// Readers and Writers are safe for concurrent use: several goroutines may
// read or write different blocks of the same file at once (positional
// ReadAt/WriteAt, no shared offset).
//
// # Formats
//
// NumPy .npy files (format versions 1.0, 2.0 and 3.0 for reading, 1.0 and
// 2.0 for writing) with the element types bool, int8-64, uint8-64, float32
// and float64, little- or big-endian. The header is parsed by this package
// (a small parser for the Python literal subset npy headers use, with size
// and nesting limits), and written exactly as numpy.save writes it, padded so
// the data starts at a multiple of 64 bytes.
//
// Raw files hold bare element bytes; the caller declares type, shape, byte
// order and optionally a leading offset to skip.
//
// For both, Open checks that the file holds exactly the bytes the shape and
// element type call for: a truncated or overlong file is an error that gives
// the expected and the actual size.
//
// # What is refused
//
// npy files with fortran_order True are refused (unless their layout is the
// same as C order: at most one dimension longer than 1), with an error that
// names the file and says to convert the array with numpy.ascontiguousarray.
// Serving row-major blocks from column-major data would need a transpose of
// every block, element by element, or a full copy of the file; converting
// once, where the array was made, is cheaper and keeps this package simple.
// Other element types (complex, float16, strings, objects, structured or
// sub-array dtypes) are refused with an error naming the descr. Errors match
// ErrInvalid, ErrUnsupported, ErrBlock or ErrClosed with errors.Is.
//
// # Writing safely
//
// A Writer writes into a temporary file next to the destination (see
// PartialPattern), preallocated to full size. Commit fsyncs it and renames it
// over the destination; Abort or Close without Commit removes it. So a
// download that fails half-way leaves the destination as it was, never a
// half-written array under the final name.
//
// # Checksums
//
// Reader.Checksum is SHA-256 over the logical values: every element in
// row-major order as little-endian bytes. It does not depend on format or
// byte order, so the checksum of a downloaded file can be compared with one
// computed from the uploaded file or from the blocks that were sent in order.
package arrayfile
