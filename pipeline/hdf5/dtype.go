package hdf5

import "github.com/etp-transfer/etp-transfer/pipeline/arrayfile"

// DType is the element type of a dataset. It is package arrayfile's type,
// so a dataset and a .npy or raw file describe elements the same way. Bool is
// h5py's bool: an HDF5 enumeration over a one-byte integer with FALSE = 0 and
// TRUE = 1; its elements read as one byte each, 0 or 1 (other stored values
// pass through).
type DType = arrayfile.DType

// The element types this package reads and writes.
const (
	Bool    = arrayfile.Bool
	Int8    = arrayfile.Int8
	Uint8   = arrayfile.Uint8
	Int16   = arrayfile.Int16
	Uint16  = arrayfile.Uint16
	Int32   = arrayfile.Int32
	Uint32  = arrayfile.Uint32
	Int64   = arrayfile.Int64
	Uint64  = arrayfile.Uint64
	Float32 = arrayfile.Float32
	Float64 = arrayfile.Float64
)

// DTypes returns every valid DType in declaration order; the slice is new on
// each call.
func DTypes() []DType { return arrayfile.DTypes() }

// ParseDType returns the DType named s ("float64", "uint8", ...). Any other
// text is an error matching ErrUnsupported.
func ParseDType(s string) (DType, error) {
	d, err := arrayfile.ParseDType(s)
	if err != nil {
		return 0, unsupported("hdf5: unknown element type %q", s)
	}
	return d, nil
}

// ByteOrder is the byte order of a dataset's elements in the file (package
// arrayfile's type). The zero value is LittleEndian. One-byte types always
// report LittleEndian.
type ByteOrder = arrayfile.ByteOrder

// The two byte orders.
const (
	LittleEndian = arrayfile.LittleEndian
	BigEndian    = arrayfile.BigEndian
)
