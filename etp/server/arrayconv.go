package server

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Array element conversion between the AnyArray transport branches and the
// store's fixed-width little-endian elements (BRIEF 5.3). The logical type
// fixes the stored width: int8..uint32 travelling as arrayOfInt or
// arrayOfLong are stored at their own width after a range check; uint64 in
// arrayOfLong is the two's-complement bit pattern; a bytes transport carries
// the elements packed in the byte order the logical type names. Where the
// transport and stored layouts agree (double, float, int32, int64) the
// conversion is a view of the same memory on little-endian hosts.

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// kindOf returns the storage element kind of a logical type; false for
// strings and unknown types.
func kindOf(l etp.AnyLogicalArrayType) (storage.ElementKind, bool) {
	switch l {
	case etp.LogicalArrayBoolean:
		return storage.KindBool, true
	case etp.LogicalArrayInt8:
		return storage.KindInt8, true
	case etp.LogicalArrayUInt8, etp.LogicalArrayCustom:
		return storage.KindUint8, true
	case etp.LogicalArrayInt16LE, etp.LogicalArrayInt16BE:
		return storage.KindInt16, true
	case etp.LogicalArrayUInt16LE, etp.LogicalArrayUInt16BE:
		return storage.KindUint16, true
	case etp.LogicalArrayInt32LE, etp.LogicalArrayInt32BE:
		return storage.KindInt32, true
	case etp.LogicalArrayUInt32LE, etp.LogicalArrayUInt32BE:
		return storage.KindUint32, true
	case etp.LogicalArrayInt64LE, etp.LogicalArrayInt64BE:
		return storage.KindInt64, true
	case etp.LogicalArrayUInt64LE, etp.LogicalArrayUInt64BE:
		return storage.KindUint64, true
	case etp.LogicalArrayFloat32LE, etp.LogicalArrayFloat32BE:
		return storage.KindFloat32, true
	case etp.LogicalArrayDouble64LE, etp.LogicalArrayDouble64BE:
		return storage.KindFloat64, true
	}
	return storage.KindInvalid, false
}

func bigEndianLogical(l etp.AnyLogicalArrayType) bool {
	return l >= etp.LogicalArrayInt16BE && l <= etp.LogicalArrayDouble64BE
}

// allowedPair reports whether values of logical type l may travel as
// transport t (BRIEF 5.3, pyetp's table); arrayOfCustom travels as bytes.
func allowedPair(t etp.AnyArrayType, l etp.AnyLogicalArrayType) bool {
	if t == etp.AnyArrayBytes {
		return l != etp.LogicalArrayString && l.Valid()
	}
	k, ok := kindOf(l)
	if !ok || l == etp.LogicalArrayCustom {
		return false
	}
	switch t {
	case etp.AnyArrayBoolean:
		return k == storage.KindBool
	case etp.AnyArrayInt:
		switch k {
		case storage.KindInt8, storage.KindUint8, storage.KindInt16, storage.KindUint16, storage.KindInt32, storage.KindUint32:
			return true
		}
	case etp.AnyArrayLong:
		switch k {
		case storage.KindInt8, storage.KindUint8, storage.KindInt16, storage.KindUint16, storage.KindInt32, storage.KindUint32,
			storage.KindInt64, storage.KindUint64:
			return true
		}
	case etp.AnyArrayFloat:
		return k == storage.KindFloat32
	case etp.AnyArrayDouble:
		return k == storage.KindFloat64
	}
	return false
}

// defaultLogical is the logical type of an array written with transport t
// when nothing else says (PutDataArrays carries no logical type).
func defaultLogical(t etp.AnyArrayType) etp.AnyLogicalArrayType {
	switch t {
	case etp.AnyArrayBoolean:
		return etp.LogicalArrayBoolean
	case etp.AnyArrayInt:
		return etp.LogicalArrayInt32LE
	case etp.AnyArrayLong:
		return etp.LogicalArrayInt64LE
	case etp.AnyArrayFloat:
		return etp.LogicalArrayFloat32LE
	case etp.AnyArrayDouble:
		return etp.LogicalArrayDouble64LE
	case etp.AnyArrayBytes:
		return etp.LogicalArrayUInt8
	}
	return etp.LogicalArrayString
}

func byteView[T any](v []T) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(zero)))
}

// dataCount returns the number of elements a carries for stored kind k;
// for bytes it fails when the length is not a multiple of the element size.
func dataCount(a *etp.AnyArray, k storage.ElementKind) (int64, *etp.ErrorInfo) {
	if a.Type != etp.AnyArrayBytes {
		return int64(a.Len()), nil
	}
	es := k.Size()
	if es == 0 || len(a.Bytes)%es != 0 {
		return 0, errInfo(etp.EInvalidArgument, "%d bytes are not a whole number of %d-byte %s elements", len(a.Bytes), es, k)
	}
	return int64(len(a.Bytes) / es), nil
}

// swapBytes reverses the byte order of each es-byte element of b in place.
func swapBytes(b []byte, es int) {
	if es <= 1 {
		return
	}
	for i := 0; i+es <= len(b); i += es {
		e := b[i : i+es]
		for j, k := 0, es-1; j < k; j, k = j+1, k-1 {
			e[j], e[k] = e[k], e[j]
		}
	}
}

func rangeError(i int, v int64, k storage.ElementKind) *etp.ErrorInfo {
	return errInfo(etp.EInvalidArgument, "value %d at index %d is out of range for the array's %s elements", v, i, k)
}

// packInts stores integer values (from arrayOfInt or arrayOfLong) as kind k,
// checking that each fits.
func packInts[T int32 | int64](v []T, k storage.ElementKind) ([]byte, *etp.ErrorInfo) {
	es := k.Size()
	out := make([]byte, len(v)*es)
	var lo, hi int64
	switch k {
	case storage.KindInt8:
		lo, hi = math.MinInt8, math.MaxInt8
	case storage.KindUint8:
		lo, hi = 0, math.MaxUint8
	case storage.KindInt16:
		lo, hi = math.MinInt16, math.MaxInt16
	case storage.KindUint16:
		lo, hi = 0, math.MaxUint16
	case storage.KindInt32:
		lo, hi = math.MinInt32, math.MaxInt32
	case storage.KindUint32:
		lo, hi = 0, math.MaxUint32
	case storage.KindInt64, storage.KindUint64:
		lo, hi = math.MinInt64, math.MaxInt64
	default:
		return nil, errInfo(etp.EInvalidArgument, "integer values cannot be stored as %s", k)
	}
	for i, x := range v {
		x := int64(x)
		if x < lo || x > hi {
			return nil, rangeError(i, x, k)
		}
		switch es {
		case 1:
			out[i] = byte(x)
		case 2:
			binary.LittleEndian.PutUint16(out[2*i:], uint16(x))
		case 4:
			binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
		case 8:
			binary.LittleEndian.PutUint64(out[8*i:], uint64(x))
		}
	}
	return out, nil
}

// toStorage converts the values of a to the stored little-endian bytes of
// kind k (logical type l). The result may share a's memory.
func toStorage(a *etp.AnyArray, l etp.AnyLogicalArrayType, k storage.ElementKind) ([]byte, *etp.ErrorInfo) {
	switch a.Type {
	case etp.AnyArrayBoolean:
		return byteView(a.Bools), nil
	case etp.AnyArrayDouble:
		if littleEndian {
			return byteView(a.Doubles), nil
		}
		out := make([]byte, 8*len(a.Doubles))
		for i, f := range a.Doubles {
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(f))
		}
		return out, nil
	case etp.AnyArrayFloat:
		if littleEndian {
			return byteView(a.Floats), nil
		}
		out := make([]byte, 4*len(a.Floats))
		for i, f := range a.Floats {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
		}
		return out, nil
	case etp.AnyArrayInt:
		if k == storage.KindInt32 && littleEndian {
			return byteView(a.Ints), nil
		}
		return packInts(a.Ints, k)
	case etp.AnyArrayLong:
		if (k == storage.KindInt64 || k == storage.KindUint64) && littleEndian {
			return byteView(a.Longs), nil
		}
		if k == storage.KindUint64 {
			k = storage.KindInt64 // the bit pattern, unchecked
		}
		return packInts(a.Longs, k)
	case etp.AnyArrayBytes:
		if !bigEndianLogical(l) {
			return a.Bytes, nil
		}
		out := append([]byte(nil), a.Bytes...)
		swapBytes(out, k.Size())
		return out, nil
	}
	return nil, errInfo(etp.ENotSupported, "arrays of type %s are not supported", a.Type)
}

// fromStorage builds the AnyArray of transport t holding the n elements of
// kind k read by read, which fills the little-endian bytes it is given.
func fromStorage(t etp.AnyArrayType, l etp.AnyLogicalArrayType, k storage.ElementKind, n int,
	read func(dst []byte) error) (etp.AnyArray, error) {
	es := k.Size()
	a := etp.AnyArray{Type: t}
	switch {
	case t == etp.AnyArrayDouble && littleEndian:
		a.Doubles = make([]float64, n)
		return a, read(byteView(a.Doubles))
	case t == etp.AnyArrayFloat && littleEndian:
		a.Floats = make([]float32, n)
		return a, read(byteView(a.Floats))
	case t == etp.AnyArrayInt && k == storage.KindInt32 && littleEndian:
		a.Ints = make([]int32, n)
		return a, read(byteView(a.Ints))
	case t == etp.AnyArrayLong && (k == storage.KindInt64 || k == storage.KindUint64) && littleEndian:
		a.Longs = make([]int64, n)
		return a, read(byteView(a.Longs))
	case t == etp.AnyArrayBytes:
		a.Bytes = make([]byte, n*es)
		if err := read(a.Bytes); err != nil {
			return a, err
		}
		if bigEndianLogical(l) {
			swapBytes(a.Bytes, es)
		}
		return a, nil
	}
	raw := make([]byte, n*es)
	if err := read(raw); err != nil {
		return a, err
	}
	switch t {
	case etp.AnyArrayBoolean:
		a.Bools = make([]bool, n)
		for i, c := range raw {
			a.Bools[i] = c != 0
		}
	case etp.AnyArrayDouble:
		a.Doubles = make([]float64, n)
		for i := range a.Doubles {
			a.Doubles[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case etp.AnyArrayFloat:
		a.Floats = make([]float32, n)
		for i := range a.Floats {
			a.Floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case etp.AnyArrayInt:
		a.Ints = make([]int32, n)
		for i := range a.Ints {
			a.Ints[i] = int32(unpackInt(raw, i, k))
		}
	case etp.AnyArrayLong:
		a.Longs = make([]int64, n)
		for i := range a.Longs {
			a.Longs[i] = unpackInt(raw, i, k)
		}
	}
	return a, nil
}

// unpackInt returns element i of little-endian integer elements of kind k.
func unpackInt(raw []byte, i int, k storage.ElementKind) int64 {
	switch k {
	case storage.KindInt8:
		return int64(int8(raw[i]))
	case storage.KindUint8, storage.KindBool:
		return int64(raw[i])
	case storage.KindInt16:
		return int64(int16(binary.LittleEndian.Uint16(raw[2*i:])))
	case storage.KindUint16:
		return int64(binary.LittleEndian.Uint16(raw[2*i:]))
	case storage.KindInt32:
		return int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
	case storage.KindUint32:
		return int64(binary.LittleEndian.Uint32(raw[4*i:]))
	case storage.KindInt64, storage.KindUint64:
		return int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return 0
}

// varintSize is the Avro encoded size of v.
func varintSize(v int64) int64 {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := int64(1)
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// payloadBounds returns the smallest and largest encoded size of the values
// of n elements of kind k travelling as t, block framing and union index
// included.
func payloadBounds(t etp.AnyArrayType, k storage.ElementKind, n int64) (lo, hi int64) {
	const frame = 1 + 10 + 1 // union index, block count, terminator
	switch t {
	case etp.AnyArrayBoolean:
		return n + frame, n + frame
	case etp.AnyArrayInt:
		return n + frame, 5*n + frame
	case etp.AnyArrayLong:
		return n + frame, 10*n + frame
	case etp.AnyArrayFloat:
		return 4*n + frame, 4*n + frame
	case etp.AnyArrayDouble:
		return 8*n + frame, 8*n + frame
	case etp.AnyArrayBytes:
		b := n * int64(k.Size())
		return b + frame, b + frame
	}
	return frame, frame
}

// varintPayload returns the encoded size of the values in raw (elements of
// kind k) as Avro ints or longs.
func varintPayload(raw []byte, k storage.ElementKind) int64 {
	es := k.Size()
	var total int64
	for i := 0; i < len(raw)/es; i++ {
		total += varintSize(unpackInt(raw, i, k))
	}
	return total
}
