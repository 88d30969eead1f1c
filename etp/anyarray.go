package etp

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"
)

// AnyArray is Energistics.Etp.v12.Datatypes.AnyArray, the union that carries
// the values of a data array (BRIEF 5.2). Type selects the branch and the
// slice that holds the values; the other slices are ignored when encoding
// (decoding leaves them empty, keeping their capacity). Bytes is the raw
// "bytes" branch, whose meaning comes from the logical array type.
//
// Encoding and decoding of AnyArray is the hot path of the package: float and
// double values are copied as raw little-endian memory, ints and longs are
// zig-zag varints, each boolean is one byte, and every array is written as
// one Avro block.
type AnyArray struct {
	Type    AnyArrayType
	Bools   []bool
	Ints    []int32
	Longs   []int64
	Floats  []float32
	Doubles []float64
	Strings []string
	Bytes   []byte
}

// BoolArray returns an AnyArray of the arrayOfBoolean branch holding v (not copied).
func BoolArray(v []bool) AnyArray { return AnyArray{Type: AnyArrayBoolean, Bools: v} }

// IntArray returns an AnyArray of the arrayOfInt branch holding v (not copied).
func IntArray(v []int32) AnyArray { return AnyArray{Type: AnyArrayInt, Ints: v} }

// LongArray returns an AnyArray of the arrayOfLong branch holding v (not copied).
func LongArray(v []int64) AnyArray { return AnyArray{Type: AnyArrayLong, Longs: v} }

// FloatArray returns an AnyArray of the arrayOfFloat branch holding v (not copied).
func FloatArray(v []float32) AnyArray { return AnyArray{Type: AnyArrayFloat, Floats: v} }

// DoubleArray returns an AnyArray of the arrayOfDouble branch holding v (not copied).
func DoubleArray(v []float64) AnyArray { return AnyArray{Type: AnyArrayDouble, Doubles: v} }

// StringArray returns an AnyArray of the arrayOfString branch holding v (not copied).
func StringArray(v []string) AnyArray { return AnyArray{Type: AnyArrayString, Strings: v} }

// BytesArray returns an AnyArray of the bytes branch holding v (not copied).
func BytesArray(v []byte) AnyArray { return AnyArray{Type: AnyArrayBytes, Bytes: v} }

// Len returns the number of values in the slice selected by Type (bytes for
// the bytes branch), or 0 for an invalid Type.
func (a *AnyArray) Len() int {
	switch a.Type {
	case AnyArrayBoolean:
		return len(a.Bools)
	case AnyArrayInt:
		return len(a.Ints)
	case AnyArrayLong:
		return len(a.Longs)
	case AnyArrayFloat:
		return len(a.Floats)
	case AnyArrayDouble:
		return len(a.Doubles)
	case AnyArrayString:
		return len(a.Strings)
	case AnyArrayBytes:
		return len(a.Bytes)
	}
	return 0
}

// EncodedSize returns the exact size of the Avro encoding of a (union index
// included). It does not allocate; for int and long arrays it walks the
// values, for the other branches it is O(1) (strings: O(len)). An invalid
// Type reports the size of the union index alone.
func (a *AnyArray) EncodedSize() int { return a.sizeAvro() }

// AppendAnyArray appends the Avro encoding of a to dst. It fails only for an
// invalid a.Type.
func AppendAnyArray(dst []byte, a *AnyArray) ([]byte, error) {
	e := encoder{b: slices.Grow(dst, a.sizeAvro())}
	a.encodeAvro(&e)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

// DecodeAnyArrayInto decodes one Avro AnyArray from the start of b into dst
// and returns the number of bytes consumed. It is the allocation-free path
// for downloaders: the slice of the decoded branch reuses dst's capacity and
// is only reallocated (once per block, sized from the block count) when that
// capacity is too small; the other slices are truncated to length 0 and keep
// their capacity. Multi-block arrays and negative block counts are accepted.
// A count that the rest of b cannot hold is an error before any allocation.
// Errors are *DecodeError with Code EInvalidMessage; on error dst holds
// partial data.
func DecodeAnyArrayInto(b []byte, dst *AnyArray) (int, error) {
	d := decoder{b: b}
	dst.decodeAvro(&d)
	if d.err != nil {
		return d.off, &DecodeError{Code: EInvalidMessage, Err: fmt.Errorf("AnyArray: %w", d.err)}
	}
	return d.off, nil
}

func (a *AnyArray) sizeAvro() int {
	switch a.Type {
	case AnyArrayBoolean:
		return 1 + sizeBlockFrame(len(a.Bools)) + len(a.Bools)
	case AnyArrayInt:
		return 1 + sizeInt32s(a.Ints)
	case AnyArrayLong:
		return 1 + sizeLongs(a.Longs)
	case AnyArrayFloat:
		return 1 + sizeBlockFrame(len(a.Floats)) + 4*len(a.Floats)
	case AnyArrayDouble:
		return 1 + sizeBlockFrame(len(a.Doubles)) + 8*len(a.Doubles)
	case AnyArrayString:
		return 1 + sizeStrings(a.Strings)
	case AnyArrayBytes:
		return 1 + sizeBytes(a.Bytes)
	}
	return 1
}

func (a *AnyArray) encodeAvro(e *encoder) {
	if !a.Type.Valid() {
		e.fail(fmt.Errorf("etp: invalid AnyArray type %d", a.Type))
		return
	}
	e.b = append(e.b, byte(a.Type)<<1) // union index 0..6 as a one-byte zig-zag varint
	switch a.Type {
	case AnyArrayBoolean:
		encBools(e, a.Bools)
	case AnyArrayInt:
		encInt32s(e, a.Ints)
	case AnyArrayLong:
		encInt64s(e, a.Longs)
	case AnyArrayFloat:
		encFloat32s(e, a.Floats)
	case AnyArrayDouble:
		encFloat64s(e, a.Doubles)
	case AnyArrayString:
		encStrings(e, a.Strings)
	case AnyArrayBytes:
		e.bytes(a.Bytes)
	}
}

func (a *AnyArray) decodeAvro(d *decoder) {
	t := AnyArrayType(d.unionIndex(7, "AnyArray"))
	if d.err != nil {
		return
	}
	a.Type = t
	a.Bools, a.Ints, a.Longs, a.Floats = a.Bools[:0], a.Ints[:0], a.Longs[:0], a.Floats[:0]
	a.Doubles, a.Strings, a.Bytes = a.Doubles[:0], a.Strings[:0], a.Bytes[:0]
	switch t {
	case AnyArrayBoolean:
		a.Bools = decBoolsInto(d, a.Bools)
	case AnyArrayInt:
		a.Ints = decInt32sInto(d, a.Ints)
	case AnyArrayLong:
		a.Longs = decInt64sInto(d, a.Longs)
	case AnyArrayFloat:
		a.Floats = decFloat32sInto(d, a.Floats)
	case AnyArrayDouble:
		a.Doubles = decFloat64sInto(d, a.Doubles)
	case AnyArrayString:
		a.Strings = decStringsInto(d, a.Strings)
	case AnyArrayBytes:
		a.Bytes = d.bytesInto(a.Bytes)
	}
}

// --- booleans: one byte each ---

func encBools(e *encoder, v []bool) {
	e.blockStart(len(v))
	if len(v) > 0 {
		// A Go bool is one byte holding 0 or 1, exactly the Avro encoding.
		e.b = append(e.b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v))...)
	}
	e.blockEnd()
}

func decBoolsInto(d *decoder, dst []bool) []bool {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(1)
		if n == 0 {
			break
		}
		src := d.b[d.off : d.off+n]
		for i, c := range src {
			if c > 1 {
				d.off += i
				d.failf("invalid boolean byte 0x%02x", c)
				return dst
			}
		}
		start := len(dst)
		dst = slices.Grow(dst, n)[:start+n]
		for i, c := range src {
			dst[start+i] = c == 1
		}
		d.off += n
		if size >= 0 && size != n {
			d.failf("block declared %d bytes but its items took %d", size, n)
		}
	}
	return dst
}

// --- ints and longs: zig-zag varints ---

func sizeInt32s(v []int32) int {
	n := sizeBlockFrame(len(v))
	for _, x := range v {
		n += sizeLong(int64(x))
	}
	return n
}

func encInt32s(e *encoder, v []int32) {
	e.blockStart(len(v))
	b := slices.Grow(e.b, 5*len(v)+1)
	off := len(b)
	b = b[:off+5*len(v)]
	for _, x := range v {
		u := uint32(x<<1) ^ uint32(x>>31)
		for u >= 0x80 {
			b[off] = byte(u) | 0x80
			off++
			u >>= 7
		}
		b[off] = byte(u)
		off++
	}
	e.b = b[:off]
	e.blockEnd()
}

func encInt64s(e *encoder, v []int64) {
	e.blockStart(len(v))
	b := slices.Grow(e.b, 10*len(v)+1)
	off := len(b)
	b = b[:off+10*len(v)]
	for _, x := range v {
		u := zigzag64(x)
		for u >= 0x80 {
			b[off] = byte(u) | 0x80
			off++
			u >>= 7
		}
		b[off] = byte(u)
		off++
	}
	e.b = b[:off]
	e.blockEnd()
}

func decInt32sInto(d *decoder, dst []int32) []int32 {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(1)
		if n == 0 {
			break
		}
		start := d.off
		base := len(dst)
		dst = slices.Grow(dst, n)[:base+n]
		out := dst[base:]
		b := d.b
		off := d.off
		for i := range out {
			var u uint64
			var shift uint
			for {
				if off >= len(b) {
					d.off = off
					d.fail(errShortBuffer)
					return dst[:base+i]
				}
				c := b[off]
				off++
				u |= uint64(c&0x7f) << shift
				if c < 0x80 {
					break
				}
				shift += 7
				if shift >= 35 {
					d.off = off
					d.fail(errIntRange)
					return dst[:base+i]
				}
			}
			v := int64(u>>1) ^ -int64(u&1)
			if v < math.MinInt32 || v > math.MaxInt32 {
				d.off = off
				d.fail(errIntRange)
				return dst[:base+i]
			}
			out[i] = int32(v)
		}
		d.off = off
		d.blockDone(start, size)
	}
	return dst
}

func decInt64sInto(d *decoder, dst []int64) []int64 {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(1)
		if n == 0 {
			break
		}
		start := d.off
		base := len(dst)
		dst = slices.Grow(dst, n)[:base+n]
		out := dst[base:]
		b := d.b
		off := d.off
		for i := range out {
			var u uint64
			var shift uint
			for {
				if off >= len(b) {
					d.off = off
					d.fail(errShortBuffer)
					return dst[:base+i]
				}
				c := b[off]
				off++
				if shift == 63 && c > 1 {
					d.off = off
					d.fail(errVarintOverflow)
					return dst[:base+i]
				}
				u |= uint64(c&0x7f) << shift
				if c < 0x80 {
					break
				}
				shift += 7
				if shift > 63 {
					d.off = off
					d.fail(errVarintOverflow)
					return dst[:base+i]
				}
			}
			out[i] = int64(u>>1) ^ -int64(u&1)
		}
		d.off = off
		d.blockDone(start, size)
	}
	return dst
}

// --- floats and doubles: raw little-endian ---

func encFloat32s(e *encoder, v []float32) {
	e.blockStart(len(v))
	e.b = appendFloat32s(e.b, v)
	e.blockEnd()
}

func encFloat64s(e *encoder, v []float64) {
	e.blockStart(len(v))
	e.b = appendFloat64s(e.b, v)
	e.blockEnd()
}

func decFloat32sInto(d *decoder, dst []float32) []float32 {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(4)
		if n == 0 {
			break
		}
		base := len(dst)
		dst = slices.Grow(dst, n)[:base+n]
		copyFloat32s(dst[base:], d.b[d.off:d.off+4*n])
		d.off += 4 * n
		if size >= 0 && size != 4*n {
			d.failf("block declared %d bytes but its items took %d", size, 4*n)
		}
	}
	return dst
}

func decFloat64sInto(d *decoder, dst []float64) []float64 {
	dst = dst[:0]
	for d.err == nil {
		n, size := d.blockHeader(8)
		if n == 0 {
			break
		}
		base := len(dst)
		dst = slices.Grow(dst, n)[:base+n]
		copyFloat64s(dst[base:], d.b[d.off:d.off+8*n])
		d.off += 8 * n
		if size >= 0 && size != 8*n {
			d.failf("block declared %d bytes but its items took %d", size, 8*n)
		}
	}
	return dst
}

// appendFloat64s appends the little-endian bytes of v. On little-endian hosts
// it copies the memory of v through a byte view (a *float64 viewed as *byte is
// always aligned, so this is valid under checkptr); elsewhere it converts
// value by value.
func appendFloat64s(b []byte, v []float64) []byte {
	if nativeLittleEndian && len(v) > 0 {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 8*len(v))...)
	}
	return appendFloat64sPortable(b, v)
}

func appendFloat64sPortable(b []byte, v []float64) []byte {
	b = slices.Grow(b, 8*len(v))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

func appendFloat32s(b []byte, v []float32) []byte {
	if nativeLittleEndian && len(v) > 0 {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))...)
	}
	return appendFloat32sPortable(b, v)
}

func appendFloat32sPortable(b []byte, v []float32) []byte {
	b = slices.Grow(b, 4*len(v))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// copyFloat64s fills dst from len(dst)*8 little-endian bytes of src. The fast
// path views dst (aligned float64 memory) as bytes; it never views the
// possibly misaligned src as float64.
func copyFloat64s(dst []float64, src []byte) {
	if nativeLittleEndian && len(dst) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 8*len(dst)), src)
		return
	}
	copyFloat64sPortable(dst, src)
}

func copyFloat64sPortable(dst []float64, src []byte) {
	src = src[:8*len(dst)]
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
}

func copyFloat32s(dst []float32, src []byte) {
	if nativeLittleEndian && len(dst) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*len(dst)), src)
		return
	}
	copyFloat32sPortable(dst, src)
}

func copyFloat32sPortable(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}
