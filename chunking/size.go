package chunking

import (
	"math"
	"math/bits"
)

// Sizes in this file are exact Avro binary sizes (BRIEF 2.1) for encoders that write
// every array and map as one block with a positive count, which is what BRIEF 2.1 asks
// encoders to do. All results are int64 byte counts that saturate at math.MaxInt64
// instead of overflowing; negative lengths and counts are treated as 0. Every function
// is pure and safe for concurrent use.

const (
	maxIntVarint  = 5  // zig-zag varint of any int32
	maxLongVarint = 10 // zig-zag varint of any int64
)

// HeaderMaxSize is the largest encoded MessageHeader (BRIEF 2.3): three int fields of
// at most 5 bytes (protocol, messageType, messageFlags) and two long fields of at most
// 10 bytes (correlationId, messageId). Planning charges every message this much, so
// any message id, correlation id or flag combination fits.
const HeaderMaxSize = 3*maxIntVarint + 2*maxLongVarint

// VarintSize returns the length in bytes (1..10) of v as an Avro int or long: a zig-zag
// varint. An Avro int with the same value has the same length.
func VarintSize(v int64) int64 {
	u := uint64(v<<1) ^ uint64(v>>63)
	return int64(bits.Len64(u|1)+6) / 7
}

// StringSize returns the encoded size of an Avro string or bytes value of n bytes:
// varint(n) + n.
func StringSize(n int64) int64 {
	n = max(n, 0)
	return addSat(VarintSize(n), n)
}

// LongArraySize returns the exact encoded size of an Avro array<long> holding values:
// 1 byte for an empty array, else varint(len) + the values' varints + a 0 terminator.
// It is the size of starts, counts and dimensions fields.
func LongArraySize(values []int64) int64 {
	if len(values) == 0 {
		return 1
	}
	s := VarintSize(int64(len(values))) + 1
	for _, v := range values {
		s += VarintSize(v)
	}
	return s
}

// AnyArraySize returns the encoded size of an AnyArray carrying n elements of e: the
// union index, then for array branches varint(n) + n elements + a 0 terminator (just the
// terminator when n is 0), and for Bytes varint(n×width) + n×width raw bytes.
//
// The result is exact for ArrayOfBoolean, ArrayOfFloat, ArrayOfDouble and Bytes, and the
// worst case (every value at its longest) for ArrayOfInt, ArrayOfLong and ArrayOfString.
// To size actual varint or string values use AnyArrayIntSize, AnyArrayLongSize and
// AnyArrayStringSize. For an invalid Element the result is 0.
func AnyArraySize(e Element, n int64) int64 {
	if e.Validate() != nil {
		return 0
	}
	n = max(n, 0)
	union := VarintSize(int64(e.Branch))
	if e.Branch == Bytes {
		return addSat(union, StringSize(mulSat(n, e.bytesWidth())))
	}
	return addSat(union, arrayFrame(n, mulSat(n, e.MaxSize())))
}

// AnyArrayIntSize returns the exact encoded size of an AnyArray with branch ArrayOfInt
// holding values.
func AnyArrayIntSize(values []int32) int64 {
	var s int64
	for _, v := range values {
		s += VarintSize(int64(v))
	}
	return VarintSize(int64(ArrayOfInt)) + arrayFrame(int64(len(values)), s)
}

// AnyArrayLongSize returns the exact encoded size of an AnyArray with branch
// ArrayOfLong holding values.
func AnyArrayLongSize(values []int64) int64 {
	var s int64
	for _, v := range values {
		s += VarintSize(v)
	}
	return VarintSize(int64(ArrayOfLong)) + arrayFrame(int64(len(values)), s)
}

// AnyArrayStringSize returns the exact encoded size of an AnyArray with branch
// ArrayOfString holding values (lengths are UTF-8 byte lengths, as Go strings are).
func AnyArrayStringSize(values []string) int64 {
	var s int64
	for _, v := range values {
		s = addSat(s, StringSize(int64(len(v))))
	}
	return VarintSize(int64(ArrayOfString)) + arrayFrame(int64(len(values)), s)
}

// arrayFrame returns the size of a one-block Avro array of n items whose encodings
// total items bytes.
func arrayFrame(n, items int64) int64 {
	if n <= 0 {
		return 1
	}
	return addSat(addSat(VarintSize(n), items), 1)
}

// Lengths holds the byte lengths (UTF-8) of the strings every DataArray message for one
// array carries: the client-chosen map key and the DataArrayIdentifier's uri and
// pathInResource (BRIEF 5.2). The zero value means three empty strings. Negative
// lengths are invalid for NewPlan and FitsWhole and count as 0 in the size functions.
type Lengths struct {
	KeyLen  int // map key, echoed in responses
	URILen  int // DataArrayIdentifier.uri
	PathLen int // DataArrayIdentifier.pathInResource
}

// LengthsOf returns the Lengths of the given key, uri and pathInResource.
func LengthsOf(key, uri, pathInResource string) Lengths {
	return Lengths{KeyLen: len(key), URILen: len(uri), PathLen: len(pathInResource)}
}

func (l Lengths) key() int64 { return StringSize(int64(l.KeyLen)) }

// identifier is the size of DataArrayIdentifier{uri, pathInResource}.
func (l Lengths) identifier() int64 {
	return addSat(StringSize(int64(l.URILen)), StringSize(int64(l.PathLen)))
}

// singleEntryMap returns the size of a one-entry Avro map<string, T> whose key is
// keyBytes long encoded and whose value takes value bytes: count 1, key, value, 0.
func singleEntryMap(keyBytes, value int64) int64 {
	return addSat(addSat(1, keyBytes), addSat(value, 1))
}

// PutDataSubarraysBodySize returns the exact size of a PutDataSubarrays body (protocol
// 9, message 5) with one map entry: map<string, PutDataSubarraysType{uid, data,
// starts, counts}> (BRIEF 5.1, 5.2). data is the encoded AnyArray size, from
// AnyArraySize or one of the exact AnyArray*Size helpers.
func PutDataSubarraysBodySize(l Lengths, starts, counts []int64, data int64) int64 {
	v := addSat(l.identifier(), max(data, 0))
	v = addSat(v, addSat(LongArraySize(starts), LongArraySize(counts)))
	return singleEntryMap(l.key(), v)
}

// GetDataSubarraysBodySize returns the exact size of a GetDataSubarrays body (protocol
// 9, message 3) with one map entry: map<string, GetDataSubarraysType{uid, starts,
// counts}>.
func GetDataSubarraysBodySize(l Lengths, starts, counts []int64) int64 {
	v := addSat(l.identifier(), addSat(LongArraySize(starts), LongArraySize(counts)))
	return singleEntryMap(l.key(), v)
}

// GetDataSubarraysResponseBodySize returns the exact size of a GetDataSubarraysResponse
// body (protocol 9, message 8) with one map entry: map<string, DataArray{dimensions,
// data}>, where dimensions equals the request's counts (BRIEF 5.3).
func GetDataSubarraysResponseBodySize(keyLen int, counts []int64, data int64) int64 {
	v := addSat(LongArraySize(counts), max(data, 0))
	return singleEntryMap(StringSize(int64(keyLen)), v)
}

// PutDataArraysBodySize returns the exact size of a PutDataArrays body (protocol 9,
// message 4) with one map entry and empty customData: map<string, PutDataArraysType{uid,
// array DataArray{dimensions, data}, customData {}}>.
func PutDataArraysBodySize(l Lengths, dims []int64, data int64) int64 {
	v := addSat(l.identifier(), addSat(LongArraySize(dims), max(data, 0)))
	v = addSat(v, 1) // empty customData map
	return singleEntryMap(l.key(), v)
}

// GetDataArraysBodySize returns the exact size of a GetDataArrays body (protocol 9,
// message 2) with one map entry: map<string, DataArrayIdentifier>.
func GetDataArraysBodySize(l Lengths) int64 {
	return singleEntryMap(l.key(), l.identifier())
}

// GetDataArraysResponseBodySize returns the exact size of a GetDataArraysResponse body
// (protocol 9, message 1) with one map entry: map<string, DataArray{dimensions, data}>.
func GetDataArraysResponseBodySize(keyLen int, dims []int64, data int64) int64 {
	v := addSat(LongArraySize(dims), max(data, 0))
	return singleEntryMap(StringSize(int64(keyLen)), v)
}

// HeaderSize returns the exact size of a MessageHeader with the given field values
// (BRIEF 2.3). It is at most HeaderMaxSize.
func HeaderSize(protocol, messageType int32, correlationID, messageID int64, flags int32) int64 {
	return VarintSize(int64(protocol)) + VarintSize(int64(messageType)) +
		VarintSize(correlationID) + VarintSize(messageID) + VarintSize(int64(flags))
}

// MessageSize returns the largest on-the-wire size of a message whose body (plus any
// MessageHeaderExtension) encodes to body bytes: HeaderMaxSize plus the body, or plus
// GzipBound(body) when the message may be compressed (the header itself is never
// compressed, BRIEF 2.2 and 2.8). An uncompressed body is never larger than its bound,
// so the result holds whether or not the sender actually compresses.
func MessageSize(body int64, compressed bool) int64 {
	body = max(body, 0)
	if compressed {
		body = GzipBound(body)
	}
	return addSat(HeaderMaxSize, body)
}

// Constants of the gzip bound: deflate stored blocks cost 5 bytes each (BTYPE/BFINAL
// byte, LEN, NLEN). Go's compress/gzip (levels 2..9) and zlib (default memLevel) cut
// incompressible input into stored blocks of about 16 KiB; klauspost/compress uses
// 32 or 64 KiB. Charging 5 bytes per 16 KiB covers all of them.
const (
	gzipHeaderTrailer = 10 + 8 // RFC 1952 header without optional fields, CRC32 + ISIZE
	gzipStoredBlock   = 16384  // input bytes per charged stored-block header
	gzipBlockHeader   = 5
	gzipSlack         = 14 // final empty block (5) and spare
)

// GzipBound returns an upper bound on the size of the gzip stream (RFC 1952) produced
// from n bytes of input, however incompressible:
//
//	n + 5×ceil(n/16384) + n/2^25 + 32
//
// That is one 5-byte deflate stored-block header per 16 KiB, zlib's extra n>>25 term,
// the 10-byte header and 8-byte trailer, and 14 bytes for a final empty block and
// slack. It covers compress/gzip and github.com/klauspost/compress/gzip at every level
// and zlib's deflateBound, provided the writer sets no optional header fields (name,
// comment, extra), is not flushed before Close and is not klauspost's
// StatelessCompression mode (which emits blocks per Write call, so a stream written in
// small pieces grows more). A negative n counts as 0.
func GzipBound(n int64) int64 {
	n = max(n, 0)
	blocks := n / gzipStoredBlock
	if n%gzipStoredBlock != 0 {
		blocks++
	}
	over := blocks*gzipBlockHeader + n>>25 + gzipHeaderTrailer + gzipSlack
	return addSat(n, over)
}

// addSat adds two non-negative values, saturating at math.MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// mulSat multiplies two non-negative values, saturating at math.MaxInt64.
func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
