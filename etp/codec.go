package etp

// The codec is written by hand rather than with github.com/hamba/avro/v2.
// Reasons, measured or read in hamba v2.31.0:
//   - hamba encodes a Go map in map iteration order (codec_map.go iterates the
//     reflect2 map), so the same message encodes to different bytes from run to
//     run. ETP bodies are mostly maps; this codec writes map entries sorted by
//     key, so encoding is deterministic and golden vectors with several keys
//     hold.
//   - the numeric AnyArray payloads need a hand-written block codec anyway
//     (hamba decodes an ArrayOfDouble at ~1 GB/s with one allocation per
//     value block; see BenchmarkHambaDecodeDoubles), and they sit inside the
//     same records (DataArray, PutDataArraysType with map<DataValue>) as the
//     general types, so the general records must be hand-written too.
//   - DataValue is a closed Go interface with typed branches and the enums are
//     typed int32 values; hamba would need registered names and string enums.
//   - exact, allocation-free EncodedSize and input-bounded decoding are easy to
//     guarantee when every record is walked by code we control.
// The wire format is still the official schema: schemas/*.json holds the
// project's own definitions, the conformance test compares them with
// etp.avpr (same Parsing Canonical Form), and the oracle test decodes every
// message type with hamba and the official schema and re-encodes it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// bodyCodec is implemented by every record and message type (pointer
// receivers). encodeAvro appends the Avro binary form, sizeAvro returns its
// exact length, decodeAvro overwrites the value with the decoded record.
type bodyCodec interface {
	encodeAvro(e *encoder)
	sizeAvro() int
	decodeAvro(d *decoder)
}

// encoder appends Avro binary data to b. The first error sticks; later calls
// keep appending but the result is discarded by the caller.
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func zigzag64(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func appendUvarint(b []byte, u uint64) []byte {
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func appendLong(b []byte, v int64) []byte { return appendUvarint(b, zigzag64(v)) }

// sizeLong is the encoded size of an Avro long or int.
func sizeLong(v int64) int { return (bits.Len64(zigzag64(v)|1) + 6) / 7 }

func sizeString(s string) int { return sizeLong(int64(len(s))) + len(s) }

func sizeBytes(p []byte) int { return sizeLong(int64(len(p))) + len(p) }

// sizeBlockFrame is the size of the block framing of an array or map of n
// items written as one positive block: count (if n > 0) and the final 0.
func sizeBlockFrame(n int) int {
	if n == 0 {
		return 1
	}
	return sizeLong(int64(n)) + 1
}

func (e *encoder) long(v int64)   { e.b = appendLong(e.b, v) }
func (e *encoder) int(v int32)    { e.b = appendLong(e.b, int64(v)) }
func (e *encoder) str(s string)   { e.b = append(appendLong(e.b, int64(len(s))), s...) }
func (e *encoder) bytes(p []byte) { e.b = append(appendLong(e.b, int64(len(p))), p...) }
func (e *encoder) fixed(u *UUID)  { e.b = append(e.b, u[:]...) }
func (e *encoder) float(f float32) {
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(f))
}
func (e *encoder) double(f float64) {
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f))
}
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// blockStart writes the count of a one-block array or map of n items.
func (e *encoder) blockStart(n int) {
	if n > 0 {
		e.long(int64(n))
	}
}

// blockEnd writes the terminating zero count.
func (e *encoder) blockEnd() { e.b = append(e.b, 0) }

// enum writes an enum ordinal after checking it against the symbol count.
func (e *encoder) enum(v int32, n int, name string) {
	if v < 0 || int(v) >= n {
		e.fail(fmt.Errorf("etp: invalid %s value %d", name, v))
	}
	e.int(v)
}

// encArray writes s as one block using f for each element.
func encArray[T any](e *encoder, s []T, f func(*encoder, *T)) {
	e.blockStart(len(s))
	for i := range s {
		f(e, &s[i])
	}
	e.blockEnd()
}

func sizeArray[T any](s []T, f func(*T) int) int {
	n := sizeBlockFrame(len(s))
	for i := range s {
		n += f(&s[i])
	}
	return n
}

func encStrings(e *encoder, s []string) {
	e.blockStart(len(s))
	for _, v := range s {
		e.str(v)
	}
	e.blockEnd()
}

func sizeStrings(s []string) int {
	n := sizeBlockFrame(len(s))
	for _, v := range s {
		n += sizeString(v)
	}
	return n
}

func encLongs(e *encoder, s []int64) {
	e.blockStart(len(s))
	for _, v := range s {
		e.b = appendLong(e.b, v)
	}
	e.blockEnd()
}

func sizeLongs(s []int64) int {
	n := sizeBlockFrame(len(s))
	for _, v := range s {
		n += sizeLong(v)
	}
	return n
}

// sortedKeys returns the keys of m in ascending byte order, so that maps
// encode deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// encMap writes m as one block with entries sorted by key. The value is
// copied into one variable reused for every entry, so the callback's pointer
// costs one allocation per map, not per entry.
func encMap[V any](e *encoder, m map[string]V, f func(*encoder, *V)) {
	e.blockStart(len(m))
	var v V
	if len(m) == 1 {
		for k, x := range m {
			e.str(k)
			v = x
			f(e, &v)
		}
	} else if len(m) > 1 {
		for _, k := range sortedKeys(m) {
			v = m[k]
			e.str(k)
			f(e, &v)
		}
	}
	e.blockEnd()
}

func sizeMap[V any](m map[string]V, f func(*V) int) int {
	n := sizeBlockFrame(len(m))
	var v V
	for k, x := range m {
		v = x
		n += sizeString(k) + f(&v)
	}
	return n
}

func encStringMap(e *encoder, m map[string]string) {
	encMap(e, m, func(e *encoder, v *string) { e.str(*v) })
}

func sizeStringMap(m map[string]string) int {
	n := sizeBlockFrame(len(m))
	for k, v := range m {
		n += sizeString(k) + sizeString(v)
	}
	return n
}

func encValueMap(e *encoder, m map[string]DataValue) {
	encMap(e, m, func(e *encoder, v *DataValue) { encDataValue(e, *v) })
}

func sizeValueMap(m map[string]DataValue) int {
	n := sizeBlockFrame(len(m))
	for k, v := range m {
		n += sizeString(k) + sizeDataValue(v)
	}
	return n
}

// encRecord adapts a record method to the element callback of encArray/encMap.
func encRecord[T any, P interface {
	*T
	bodyCodec
}](e *encoder, v *T) {
	P(v).encodeAvro(e)
}

func sizeRecord[T any, P interface {
	*T
	bodyCodec
}](v *T) int {
	return P(v).sizeAvro()
}

func decRecord[T any, P interface {
	*T
	bodyCodec
}](d *decoder, v *T) {
	P(v).decodeAvro(d)
}

// errShortBuffer and friends describe malformed input; the decoder wraps them
// with the offset where decoding failed.
var (
	errShortBuffer    = errors.New("unexpected end of data")
	errVarintOverflow = errors.New("varint overflows a long")
	errIntRange       = errors.New("value out of range for an Avro int")
	errUnknownMessage = errors.New("unknown protocol and message type")
)

// decoder reads Avro binary data from b starting at off. The first error
// sticks: after it every read returns a zero value without consuming input,
// so loops end quickly and no allocation is driven by garbage.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = &offsetError{off: d.off, err: err}
	}
}

func (d *decoder) failf(format string, args ...any) { d.fail(fmt.Errorf(format, args...)) }

// offsetError records where in the input decoding failed.
type offsetError struct {
	off int
	err error
}

// Error prefixes the cause with the offset.
func (e *offsetError) Error() string { return fmt.Sprintf("at byte %d: %v", e.off, e.err) }

// Unwrap returns the cause.
func (e *offsetError) Unwrap() error { return e.err }

func (d *decoder) remaining() int { return len(d.b) - d.off }

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var u uint64
	for i := 0; i < 10; i++ {
		if d.off >= len(d.b) {
			d.fail(errShortBuffer)
			return 0
		}
		c := d.b[d.off]
		d.off++
		if i == 9 && c > 1 {
			d.fail(errVarintOverflow)
			return 0
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return u
		}
	}
	d.fail(errVarintOverflow)
	return 0
}

func (d *decoder) long() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) int() int32 {
	v := d.long()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail(errIntRange)
		return 0
	}
	return int32(v)
}

// length reads the length of a string or bytes value and checks it against
// the remaining input.
func (d *decoder) length() int {
	n := d.long()
	if d.err != nil {
		return 0
	}
	if n < 0 || n > int64(d.remaining()) {
		d.failf("length %d exceeds the %d bytes left", n, d.remaining())
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.length()
	if d.err != nil || n == 0 {
		return ""
	}
	// Not checked for UTF-8: a peer's text is passed through as sent.
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

// bytes returns a copy of a bytes value (nil when empty) reusing dst's
// capacity when it is large enough.
func (d *decoder) bytesInto(dst []byte) []byte {
	n := d.length()
	if d.err != nil || n == 0 {
		return dst[:0]
	}
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]byte, n)
	}
	copy(dst, d.b[d.off:d.off+n])
	d.off += n
	return dst
}

func (d *decoder) bytes() []byte {
	b := d.bytesInto(nil)
	if len(b) == 0 {
		return nil
	}
	return b
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if d.off >= len(d.b) {
		d.fail(errShortBuffer)
		return false
	}
	c := d.b[d.off]
	if c > 1 {
		d.failf("invalid boolean byte 0x%02x", c)
		return false
	}
	d.off++
	return c == 1
}

func (d *decoder) float() float32 {
	if d.err != nil {
		return 0
	}
	if d.remaining() < 4 {
		d.fail(errShortBuffer)
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(d.b[d.off:]))
	d.off += 4
	return v
}

func (d *decoder) double() float64 {
	if d.err != nil {
		return 0
	}
	if d.remaining() < 8 {
		d.fail(errShortBuffer)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return v
}

func (d *decoder) fixed(u *UUID) {
	if d.err != nil {
		return
	}
	if d.remaining() < len(u) {
		d.fail(errShortBuffer)
		return
	}
	copy(u[:], d.b[d.off:])
	d.off += len(u)
}

// enum reads an enum ordinal and checks it against the symbol count.
func (d *decoder) enum(n int, name string) int32 {
	v := d.int()
	if d.err == nil && (v < 0 || int(v) >= n) {
		d.failf("invalid %s ordinal %d", name, v)
		return 0
	}
	return v
}

// unionIndex reads a union branch index and checks it against the branch
// count.
func (d *decoder) unionIndex(n int, name string) int {
	v := d.long()
	if d.err == nil && (v < 0 || v >= int64(n)) {
		d.failf("invalid %s union index %d", name, v)
		return 0
	}
	return int(v)
}

// blockHeader reads the count of the next array or map block. A negative
// count -n is followed by the block's byte size, which is checked against the
// input and returned (else size is -1). minItem is the smallest encoded size
// of one item; a count that the remaining input cannot hold is an error, so
// callers may allocate count items safely. It returns 0 at the end of the
// sequence or on error.
func (d *decoder) blockHeader(minItem int) (n int, size int) {
	c := d.long()
	if d.err != nil || c == 0 {
		return 0, -1
	}
	size = -1
	if c < 0 {
		if c == math.MinInt64 {
			d.failf("invalid block count")
			return 0, -1
		}
		c = -c
		s := d.long()
		if d.err != nil {
			return 0, -1
		}
		if s < 0 || s > int64(d.remaining()) {
			d.failf("block byte size %d exceeds the %d bytes left", s, d.remaining())
			return 0, -1
		}
		size = int(s)
	}
	if minItem < 1 {
		minItem = 1
	}
	if c > int64(d.remaining()/minItem) {
		d.failf("block of %d items cannot fit in the %d bytes left", c, d.remaining())
		return 0, -1
	}
	return int(c), size
}

// blockDone checks that a block with a declared byte size consumed exactly
// that many bytes.
func (d *decoder) blockDone(start, size int) {
	if d.err == nil && size >= 0 && d.off-start != size {
		d.failf("block declared %d bytes but its items took %d", size, d.off-start)
	}
}

// decArray decodes an array appending to s[:0] (reusing its capacity).
func decArray[T any](d *decoder, s []T, minItem int, f func(*decoder, *T)) []T {
	s = s[:0]
	for d.err == nil {
		n, size := d.blockHeader(minItem)
		if n == 0 {
			break
		}
		start := d.off
		// Preallocate at most maxPrealloc items: the count is only bounded by
		// the input size, and a Go value may be much larger than its
		// smallest encoding.
		s = slices.Grow(s, min(n, maxPrealloc))
		var zero T
		for i := 0; i < n && d.err == nil; i++ {
			s = append(s, zero)
			f(d, &s[len(s)-1]) // decode in place: no per-item allocation
		}
		d.blockDone(start, size)
	}
	return s // nil when nothing was decoded into a nil slice
}

func decStrings(d *decoder) []string { return decStringsInto(d, nil) }

// decStringsInto decodes an array of strings appending to dst[:0]. It is
// written without callbacks so that the decoder does not escape.
func decStringsInto(d *decoder, dst []string) []string {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(1)
		if n == 0 {
			break
		}
		start := d.off
		dst = slices.Grow(dst, min(n, maxPrealloc))
		for i := 0; i < n && d.err == nil; i++ {
			dst = append(dst, d.str())
		}
		d.blockDone(start, size)
	}
	return dst
}

func decLongs(d *decoder) []int64 {
	return decArray(d, nil, 1, func(d *decoder, v *int64) { *v = d.long() })
}

// maxPrealloc and maxMapPrealloc cap the initial size of a decoded array of
// records or strings and of a map; further items grow it as they are actually
// decoded. (Numeric arrays are preallocated to their full, input-bounded
// count.)
const (
	maxPrealloc    = 4096
	maxMapPrealloc = 1024
)

// decMap decodes a map. Entries of dst whose keys appear in the input are
// passed to f (so their buffers can be reused); the result holds exactly the
// decoded keys (nil when empty and dst is nil). minItem is the smallest size
// of key plus value.
func decMap[V any](d *decoder, dst map[string]V, minItem int, f func(*decoder, *V)) map[string]V {
	m := dst
	var reuse map[string]V
	if len(m) > 0 {
		reuse = m
		m = nil
	}
	for d.err == nil {
		n, size := d.blockHeader(minItem)
		if n == 0 {
			break
		}
		start := d.off
		if m == nil {
			m = make(map[string]V, min(n, maxMapPrealloc))
		}
		var v, zero V // one variable for all entries: the callback's pointer escapes
		for i := 0; i < n && d.err == nil; i++ {
			k := d.str()
			v = zero
			if reuse != nil {
				v = reuse[k]
			}
			f(d, &v)
			m[k] = v
		}
		d.blockDone(start, size)
	}
	if m == nil && dst != nil {
		clear(dst)
		return dst
	}
	return m
}

func decStringMap(d *decoder) map[string]string {
	return decMap(d, nil, 2, func(d *decoder, v *string) { *v = d.str() })
}

func decValueMap(d *decoder) map[string]DataValue {
	return decMap(d, nil, 2, func(d *decoder, v *DataValue) { *v = decDataValue(d) })
}

// optional union [null, T] helpers.

func encOptLong(e *encoder, v *int64) {
	if v == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 2)
	e.long(*v)
}

func sizeOptLong(v *int64) int {
	if v == nil {
		return 1
	}
	return 1 + sizeLong(*v)
}

func decOptLong(d *decoder, name string) *int64 {
	if d.unionIndex(2, name) == 0 || d.err != nil {
		return nil
	}
	v := d.long()
	return &v
}

func encOptInt(e *encoder, v *int32) {
	if v == nil {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 2)
	e.int(*v)
}

func sizeOptInt(v *int32) int {
	if v == nil {
		return 1
	}
	return 1 + sizeLong(int64(*v))
}

func decOptInt(d *decoder, name string) *int32 {
	if d.unionIndex(2, name) == 0 || d.err != nil {
		return nil
	}
	v := d.int()
	return &v
}
