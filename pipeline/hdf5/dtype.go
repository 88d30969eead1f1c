package hdf5

import "fmt"

// DType is the element type of a dataset. The zero value is invalid (its
// Size is 0). The names and order match package arrayfile's DType, so the two
// convert by name (String). Values are plain integers, safe to copy and share.
type DType int

// The element types this package reads and writes. Bool is h5py's bool: an
// HDF5 enumeration over a one-byte integer with FALSE = 0 and TRUE = 1; its
// elements read as one byte each, 0 or 1 (other stored values pass through).
const (
	Bool DType = iota + 1
	Int8
	Uint8
	Int16
	Uint16
	Int32
	Uint32
	Int64
	Uint64
	Float32
	Float64
)

var dtypeNames = [...]string{
	Bool: "bool", Int8: "int8", Uint8: "uint8", Int16: "int16", Uint16: "uint16",
	Int32: "int32", Uint32: "uint32", Int64: "int64", Uint64: "uint64",
	Float32: "float32", Float64: "float64",
}

var dtypeSizes = [...]int{
	Bool: 1, Int8: 1, Uint8: 1, Int16: 2, Uint16: 2, Int32: 4, Uint32: 4,
	Int64: 8, Uint64: 8, Float32: 4, Float64: 8,
}

// DTypes returns every valid DType in declaration order; the slice is new on
// each call.
func DTypes() []DType {
	out := make([]DType, 0, int(Float64))
	for d := Bool; d <= Float64; d++ {
		out = append(out, d)
	}
	return out
}

// Valid reports whether d is one of the declared element types.
func (d DType) Valid() bool { return d >= Bool && d <= Float64 }

// Size returns the size of one element in bytes, or 0 for an invalid DType.
func (d DType) Size() int {
	if !d.Valid() {
		return 0
	}
	return dtypeSizes[d]
}

// String returns the NumPy name of the type ("bool", "int8", ... "float64"),
// or "DType(n)" for an invalid value.
func (d DType) String() string {
	if !d.Valid() {
		return fmt.Sprintf("DType(%d)", int(d))
	}
	return dtypeNames[d]
}

// ParseDType returns the DType whose String is s ("float64", "uint8", ...).
// Any other text is an error matching ErrUnsupported.
func ParseDType(s string) (DType, error) {
	for d := Bool; d <= Float64; d++ {
		if dtypeNames[d] == s {
			return d, nil
		}
	}
	return 0, unsupported("hdf5: unknown element type %q", s)
}

// ByteOrder is the byte order of a dataset's elements in the file. The zero
// value is LittleEndian. One-byte types always report LittleEndian.
type ByteOrder int

// The two byte orders.
const (
	LittleEndian ByteOrder = iota
	BigEndian
)

// String returns "little" or "big" ("ByteOrder(n)" for an invalid value).
func (o ByteOrder) String() string {
	switch o {
	case LittleEndian:
		return "little"
	case BigEndian:
		return "big"
	}
	return fmt.Sprintf("ByteOrder(%d)", int(o))
}
