package transfer

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/etp-transfer/etp-transfer/chunking"
	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
)

// ElementType is how one local element type travels over ETP: the AnyArray
// branch that carries the values (transport) and the logical array type that
// says what they are (ETP 1.2 section 13.2.2.1, BRIEF 5.3).
//
// The mapping, for every element type this package moves:
//
//	local    transport       logical
//	bool     arrayOfBoolean  arrayOfBoolean
//	int8     arrayOfInt      arrayOfInt8
//	uint8    arrayOfInt      arrayOfUInt8
//	int16    arrayOfInt      arrayOfInt16LE
//	uint16   arrayOfInt      arrayOfUInt16LE
//	int32    arrayOfInt      arrayOfInt32LE
//	uint32   arrayOfLong     arrayOfUInt32LE  (does not fit an Avro int)
//	int64    arrayOfLong     arrayOfInt64LE
//	uint64   arrayOfLong     arrayOfUInt64LE  (values over MaxInt64 are refused)
//	float32  arrayOfFloat    arrayOfFloat32LE
//	float64  arrayOfDouble   arrayOfDouble64LE
//
// Every value is carried exactly; a value that cannot be (a uint64 above
// math.MaxInt64, or a downloaded value outside the destination type's range)
// is an error naming the element, never a silent change.
type ElementType struct {
	DType     arrayfile.DType
	Transport etp.AnyArrayType
	Logical   etp.AnyLogicalArrayType
}

var elementTypes = map[arrayfile.DType]ElementType{
	arrayfile.Bool:    {arrayfile.Bool, etp.AnyArrayBoolean, etp.LogicalArrayBoolean},
	arrayfile.Int8:    {arrayfile.Int8, etp.AnyArrayInt, etp.LogicalArrayInt8},
	arrayfile.Uint8:   {arrayfile.Uint8, etp.AnyArrayInt, etp.LogicalArrayUInt8},
	arrayfile.Int16:   {arrayfile.Int16, etp.AnyArrayInt, etp.LogicalArrayInt16LE},
	arrayfile.Uint16:  {arrayfile.Uint16, etp.AnyArrayInt, etp.LogicalArrayUInt16LE},
	arrayfile.Int32:   {arrayfile.Int32, etp.AnyArrayInt, etp.LogicalArrayInt32LE},
	arrayfile.Uint32:  {arrayfile.Uint32, etp.AnyArrayLong, etp.LogicalArrayUInt32LE},
	arrayfile.Int64:   {arrayfile.Int64, etp.AnyArrayLong, etp.LogicalArrayInt64LE},
	arrayfile.Uint64:  {arrayfile.Uint64, etp.AnyArrayLong, etp.LogicalArrayUInt64LE},
	arrayfile.Float32: {arrayfile.Float32, etp.AnyArrayFloat, etp.LogicalArrayFloat32LE},
	arrayfile.Float64: {arrayfile.Float64, etp.AnyArrayDouble, etp.LogicalArrayDouble64LE},
}

// ElementTypeOf returns the ETP mapping of a local element type.
func ElementTypeOf(d arrayfile.DType) (ElementType, error) {
	et, ok := elementTypes[d]
	if !ok {
		return ElementType{}, fmt.Errorf("element type %v cannot be moved over ETP", d)
	}
	return et, nil
}

// ElementTypeFromMetadata chooses the local element type for an array the
// store describes with transport and logical. The logical type wins when it
// is consistent with the transport; otherwise (open-etp-server reports
// logical type 0 for everything) the transport alone decides: boolean ->
// bool, int -> int32, long -> int64, float -> float32, double -> float64,
// bytes -> uint8 (int8 when the logical type says so).
func ElementTypeFromMetadata(transport etp.AnyArrayType, logical etp.AnyLogicalArrayType) (ElementType, error) {
	for _, et := range elementTypes {
		if et.Transport == transport && sameLogical(et.Logical, logical) {
			return et, nil
		}
	}
	// int8..uint32 may also travel as arrayOfLong, any integer as bytes.
	if d, ok := logicalDType(logical); ok && transport == etp.AnyArrayLong && d != arrayfile.Bool && isInteger(d) {
		return ElementType{DType: d, Transport: transport, Logical: logical}, nil
	}
	var d arrayfile.DType
	switch transport {
	case etp.AnyArrayBoolean:
		d = arrayfile.Bool
	case etp.AnyArrayInt:
		d = arrayfile.Int32
	case etp.AnyArrayLong:
		d = arrayfile.Int64
	case etp.AnyArrayFloat:
		d = arrayfile.Float32
	case etp.AnyArrayDouble:
		d = arrayfile.Float64
	case etp.AnyArrayBytes:
		// Logical boolean (0) is what open-etp-server reports for every
		// array, so only int8 is taken from it; anything else is uint8.
		if logical == etp.LogicalArrayInt8 {
			return ElementType{DType: arrayfile.Int8, Transport: transport, Logical: logical}, nil
		}
		return ElementType{DType: arrayfile.Uint8, Transport: transport, Logical: etp.LogicalArrayUInt8}, nil
	default:
		return ElementType{}, fmt.Errorf("arrays of transport type %v are not supported", transport)
	}
	return ElementType{DType: d, Transport: transport, Logical: elementTypes[d].Logical}, nil
}

// sameLogical compares logical types ignoring the LE/BE suffix, which only
// matters for the bytes transport.
func sameLogical(a, b etp.AnyLogicalArrayType) bool {
	da, oka := logicalDType(a)
	db, okb := logicalDType(b)
	return oka && okb && da == db
}

func logicalDType(l etp.AnyLogicalArrayType) (arrayfile.DType, bool) {
	switch l {
	case etp.LogicalArrayBoolean:
		return arrayfile.Bool, true
	case etp.LogicalArrayInt8:
		return arrayfile.Int8, true
	case etp.LogicalArrayUInt8:
		return arrayfile.Uint8, true
	case etp.LogicalArrayInt16LE, etp.LogicalArrayInt16BE:
		return arrayfile.Int16, true
	case etp.LogicalArrayUInt16LE, etp.LogicalArrayUInt16BE:
		return arrayfile.Uint16, true
	case etp.LogicalArrayInt32LE, etp.LogicalArrayInt32BE:
		return arrayfile.Int32, true
	case etp.LogicalArrayUInt32LE, etp.LogicalArrayUInt32BE:
		return arrayfile.Uint32, true
	case etp.LogicalArrayInt64LE, etp.LogicalArrayInt64BE:
		return arrayfile.Int64, true
	case etp.LogicalArrayUInt64LE, etp.LogicalArrayUInt64BE:
		return arrayfile.Uint64, true
	case etp.LogicalArrayFloat32LE, etp.LogicalArrayFloat32BE:
		return arrayfile.Float32, true
	case etp.LogicalArrayDouble64LE, etp.LogicalArrayDouble64BE:
		return arrayfile.Float64, true
	}
	return 0, false
}

func isInteger(d arrayfile.DType) bool {
	switch d {
	case arrayfile.Int8, arrayfile.Uint8, arrayfile.Int16, arrayfile.Uint16, arrayfile.Int32,
		arrayfile.Uint32, arrayfile.Int64, arrayfile.Uint64:
		return true
	}
	return false
}

// chunkElement returns the chunking description of how et's values travel.
func (et ElementType) chunkElement() chunking.Element {
	switch et.Transport {
	case etp.AnyArrayBoolean:
		return chunking.Element{Branch: chunking.ArrayOfBoolean}
	case etp.AnyArrayInt:
		return chunking.Element{Branch: chunking.ArrayOfInt}
	case etp.AnyArrayLong:
		return chunking.Element{Branch: chunking.ArrayOfLong}
	case etp.AnyArrayFloat:
		return chunking.Element{Branch: chunking.ArrayOfFloat}
	case etp.AnyArrayDouble:
		return chunking.Element{Branch: chunking.ArrayOfDouble}
	default:
		return chunking.Element{Branch: chunking.Bytes, Width: et.DType.Size()}
	}
}

var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// encodeBlock fills dst with the values of src, little-endian element bytes of
// et.DType, in et's transport. It reuses dst's slice capacity. first is the
// row-major index of src's first element, used in error messages.
func encodeBlock(et ElementType, src []byte, dst *etp.AnyArray, first int64) error {
	size := et.DType.Size()
	n := len(src) / size
	*dst = etp.AnyArray{Type: et.Transport, Bools: dst.Bools[:0], Ints: dst.Ints[:0], Longs: dst.Longs[:0],
		Floats: dst.Floats[:0], Doubles: dst.Doubles[:0], Bytes: dst.Bytes[:0]}
	le := binary.LittleEndian
	switch et.DType {
	case arrayfile.Bool:
		dst.Bools = grow(dst.Bools, n)
		for i, b := range src {
			dst.Bools[i] = b != 0
		}
	case arrayfile.Int8, arrayfile.Uint8, arrayfile.Int16, arrayfile.Uint16, arrayfile.Int32:
		if et.Transport == etp.AnyArrayBytes {
			dst.Bytes = append(dst.Bytes, src...)
			return nil
		}
		ints := grow(dst.Ints, n)
		dst.Ints = ints
		switch et.DType {
		case arrayfile.Int8:
			for i, b := range src {
				ints[i] = int32(int8(b))
			}
		case arrayfile.Uint8:
			for i, b := range src {
				ints[i] = int32(b)
			}
		case arrayfile.Int16:
			for i := range ints {
				ints[i] = int32(int16(le.Uint16(src[2*i:])))
			}
		case arrayfile.Uint16:
			for i := range ints {
				ints[i] = int32(le.Uint16(src[2*i:]))
			}
		case arrayfile.Int32:
			for i := range ints {
				ints[i] = int32(le.Uint32(src[4*i:]))
			}
		}
	case arrayfile.Uint32:
		longs := grow(dst.Longs, n)
		dst.Longs = longs
		for i := range longs {
			longs[i] = int64(le.Uint32(src[4*i:]))
		}
	case arrayfile.Int64:
		longs := grow(dst.Longs, n)
		dst.Longs = longs
		for i := range longs {
			longs[i] = int64(le.Uint64(src[8*i:]))
		}
	case arrayfile.Uint64:
		longs := grow(dst.Longs, n)
		dst.Longs = longs
		for i := range longs {
			v := le.Uint64(src[8*i:])
			if v > math.MaxInt64 {
				return fmt.Errorf("element %d: uint64 value %d does not fit an ETP long (max %d)", first+int64(i), v, int64(math.MaxInt64))
			}
			longs[i] = int64(v)
		}
	case arrayfile.Float32:
		dst.Floats = grow(dst.Floats, n)
		if littleEndianHost {
			copy(bytesOf(dst.Floats), src)
		} else {
			for i := range n {
				dst.Floats[i] = math.Float32frombits(le.Uint32(src[i*4:]))
			}
		}
	case arrayfile.Float64:
		dst.Doubles = grow(dst.Doubles, n)
		if littleEndianHost {
			copy(bytesOf(dst.Doubles), src)
		} else {
			for i := range n {
				dst.Doubles[i] = math.Float64frombits(le.Uint64(src[i*8:]))
			}
		}
	default:
		return fmt.Errorf("element type %v cannot be moved over ETP", et.DType)
	}
	return nil
}

// decodeBlock writes the values of a into dst as little-endian element bytes
// of et.DType. len(dst) must be n*size where n is the number of values the
// block holds; a different count, a wrong transport or a value out of the
// destination's range is an error. first is the row-major index of the
// block's first element, for messages.
func decodeBlock(et ElementType, a *etp.AnyArray, dst []byte, first int64) error {
	size := et.DType.Size()
	n := len(dst) / size
	if a.Type != et.Transport {
		return fmt.Errorf("store sent %v values for an array of %v", a.Type, et.Transport)
	}
	if got := a.Len(); et.Transport == etp.AnyArrayBytes && got != len(dst) || et.Transport != etp.AnyArrayBytes && got != n {
		return fmt.Errorf("store sent %d values for a block of %d elements", got, n)
	}
	le := binary.LittleEndian
	switch a.Type {
	case etp.AnyArrayBoolean:
		// A Go bool is one byte holding 0 or 1: the values are the bytes.
		if len(a.Bools) > 0 {
			copy(dst, unsafe.Slice((*byte)(unsafe.Pointer(&a.Bools[0])), len(a.Bools)))
		}
	case etp.AnyArrayBytes:
		copy(dst, a.Bytes)
	case etp.AnyArrayInt:
		return putInts(et.DType, a.Ints, dst, first)
	case etp.AnyArrayLong:
		return putInts(et.DType, a.Longs, dst, first)
	case etp.AnyArrayFloat:
		if littleEndianHost {
			copy(dst, bytesOf(a.Floats))
		} else {
			for i, v := range a.Floats {
				le.PutUint32(dst[i*4:], math.Float32bits(v))
			}
		}
	case etp.AnyArrayDouble:
		if littleEndianHost {
			copy(dst, bytesOf(a.Doubles))
		} else {
			for i, v := range a.Doubles {
				le.PutUint64(dst[i*8:], math.Float64bits(v))
			}
		}
	default:
		return fmt.Errorf("arrays of transport type %v are not supported", a.Type)
	}
	return nil
}

// viewBlock returns the values of a as little-endian element bytes of
// et.DType without copying, when that is possible: float and double values
// on a little-endian host, of exactly n elements.
func viewBlock(et ElementType, a *etp.AnyArray, n int64) ([]byte, bool) {
	if !littleEndianHost || a.Type != et.Transport {
		return nil, false
	}
	switch {
	case et.DType == arrayfile.Float64 && a.Type == etp.AnyArrayDouble && int64(len(a.Doubles)) == n:
		return bytesOf(a.Doubles), true
	case et.DType == arrayfile.Float32 && a.Type == etp.AnyArrayFloat && int64(len(a.Floats)) == n:
		return bytesOf(a.Floats), true
	}
	return nil, false
}

// directBlock prepares a to hold n float or double values of et and
// returns their memory as little-endian bytes, so a source can read a block
// straight into the values, without the copy encodeBlock makes; false when
// et's values need converting (or the host is big-endian).
func directBlock(et ElementType, a *etp.AnyArray, n int64) ([]byte, bool) {
	if !littleEndianHost {
		return nil, false
	}
	switch {
	case et.DType == arrayfile.Float64 && et.Transport == etp.AnyArrayDouble:
		*a = etp.AnyArray{Type: et.Transport, Doubles: grow(a.Doubles, int(n))}
		return bytesOf(a.Doubles), true
	case et.DType == arrayfile.Float32 && et.Transport == etp.AnyArrayFloat:
		*a = etp.AnyArray{Type: et.Transport, Floats: grow(a.Floats, int(n))}
		return bytesOf(a.Floats), true
	}
	return nil, false
}

// intRange returns the values the integer type d holds (uint64 as far as
// an ETP long carries it).
func intRange(d arrayfile.DType) (lo, hi int64, err error) {
	switch d {
	case arrayfile.Int8:
		return math.MinInt8, math.MaxInt8, nil
	case arrayfile.Uint8:
		return 0, math.MaxUint8, nil
	case arrayfile.Int16:
		return math.MinInt16, math.MaxInt16, nil
	case arrayfile.Uint16:
		return 0, math.MaxUint16, nil
	case arrayfile.Int32:
		return math.MinInt32, math.MaxInt32, nil
	case arrayfile.Uint32:
		return 0, math.MaxUint32, nil
	case arrayfile.Int64:
		return math.MinInt64, math.MaxInt64, nil
	case arrayfile.Uint64:
		return 0, math.MaxInt64, nil
	}
	return 0, 0, fmt.Errorf("integer values cannot be stored as %v", d)
}

// putInts writes vals into dst as little-endian elements of the integer
// type d, failing on the first value out of d's range. first is the
// row-major index of vals[0], for messages.
func putInts[T int32 | int64](d arrayfile.DType, vals []T, dst []byte, first int64) error {
	lo, hi, err := intRange(d)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if x := int64(v); x < lo || x > hi {
			return fmt.Errorf("element %d: value %d does not fit %v", first+int64(i), x, d)
		}
	}
	le := binary.LittleEndian
	switch d.Size() {
	case 1:
		for i, v := range vals {
			dst[i] = byte(v)
		}
	case 2:
		for i, v := range vals {
			le.PutUint16(dst[2*i:], uint16(v))
		}
	case 4:
		for i, v := range vals {
			le.PutUint32(dst[4*i:], uint32(v))
		}
	default:
		for i, v := range vals {
			le.PutUint64(dst[8*i:], uint64(v))
		}
	}
	return nil
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// bytesOf views the memory of a numeric slice as bytes. The slice is aligned
// for its element type, so the view is valid under checkptr.
func bytesOf[T float32 | float64](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}
