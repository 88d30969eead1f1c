// Package chunking plans how an ETP 1.2 data array is cut into blocks that each travel
// in one WebSocket message, and computes the exact encoded sizes the plan relies on.
//
// It is pure arithmetic: no I/O, no goroutines, no dependency on the rest of
// etp-transfer. Section numbers below refer to the protocol brief
// (reference/etp12/BRIEF.md) and its Appendix A, generated from the official schema.
//
// # Entry points
//
// NewPlan takes a shape, an Element (the AnyArray branch the values travel in) and
// Limits (the negotiated MaxWebSocketMessagePayloadSize, the store's MaxDataArraySize,
// compression, preferred subarray dimensions and the lengths of the key, uri and path
// strings) and returns a Plan. Plan.Block(i) and Plan.All give each block's starts,
// counts, element count and row-major offset, computed on demand, so planning a
// multi-gigabyte array takes O(rank) memory. FitsWhole tells whether the array can
// instead move whole in one PutDataArrays / GetDataArraysResponse.
//
// # Size model
//
// A message is a MessageHeader followed by a body (2.2); limits apply to the bytes on
// the wire, after compression, and the header is never compressed (2.8, 2.9). Sizes are
// those of Avro binary as ETP writes it (2.1): zig-zag varints for int and long (1..5 and
// 1..10 bytes), length-prefixed strings and bytes, and arrays and maps as a single block
// (count, items, 0 terminator; an empty one is the single 0 byte). Unions cost their
// branch index, one byte for AnyArray.
//
//   - The header is charged HeaderMaxSize (35 bytes: three ints at 5, two longs at 10),
//     so message ids, correlation ids and flags never matter.
//   - A PutDataSubarrays body (5.1, A.3) is map<string, PutDataSubarraysType{uid
//     {uri, pathInResource}, data AnyArray, starts array<long>, counts array<long>}>
//     with one entry; a GetDataSubarraysResponse body is map<string, DataArray
//     {dimensions, data}> with dimensions = counts (5.3); GetDataSubarrays carries uid,
//     starts and counts only. A plan makes all three fit, so one plan serves uploads and
//     downloads.
//   - AnyArray data (5.2): for an array branch varint(n) + n elements + 0, just 0 when
//     n = 0; for the bytes branch varint(len) + raw bytes. Fixed-size branches are exact
//     (boolean 1, float 4, double 8 bytes). Varint and string branches are planned at
//     their worst case (int 5, long 10, string varint(Width)+Width bytes), so a block
//     fits whatever its values; AnyArrayIntSize, AnyArrayLongSize and AnyArrayStringSize
//     give exact sizes of actual values when a caller wants them.
//   - Starts and counts are bounded by the dimensions themselves (a start is below its
//     dimension, a count at most its dimension).
//   - With Limits.Compressed the body is charged GzipBound: deflate stored blocks on
//     incompressible data, 5 bytes per 16 KiB, plus the gzip header and trailer and a
//     little slack. That bound holds for compress/gzip, klauspost/compress and zlib,
//     and an uncompressed body is smaller still, so compressing only where it pays is
//     always safe.
//
// pyetp leaves a guessed 3000-byte margin; these sizes are exact instead, so blocks
// fill messages up to the last byte the worst case allows.
//
// # Block shape
//
// Blocks are hyperrectangles (ETP subarrays) listed in row-major order of their starts
// and covering the array exactly once. Without preferred dimensions a block is always a
// contiguous run of the flattened array: k whole slices of the outermost axis when one
// slice fits; when it does not, whole slices of the next axis within one outer index,
// and so on inwards. The axis being cut is split into near-equal pieces. With
// Limits.Preferred (the store's preferredSubarrayDimensions, 5.3) the array is first cut
// into tiles of that shape, aligned to multiples of it, and a tile that does not fit is
// split the same way.
//
// Arrays with a zero dimension have zero blocks. Shapes with no dimensions are
// rejected: ETP arrays have at least one (5.3).
package chunking
