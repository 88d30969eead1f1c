package arrayfile

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// DType is the element type of an array. The zero value is invalid (its Size
// is 0), so an unset DType in an options struct is caught, not mistaken for a
// real type. Values are plain integers and safe to copy and share.
type DType int

// The element types this package reads and writes. Bool is NumPy's bool: one
// byte per element, 0 for false and 1 for true (other byte values are passed
// through unchanged, never validated).
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

// dtypeInfo describes one DType: its canonical name, the NumPy kind letter and
// its size in bytes.
type dtypeInfo struct {
	name string
	kind byte
	size int
}

var dtypeTable = [...]dtypeInfo{
	Bool:    {"bool", 'b', 1},
	Int8:    {"int8", 'i', 1},
	Uint8:   {"uint8", 'u', 1},
	Int16:   {"int16", 'i', 2},
	Uint16:  {"uint16", 'u', 2},
	Int32:   {"int32", 'i', 4},
	Uint32:  {"uint32", 'u', 4},
	Int64:   {"int64", 'i', 8},
	Uint64:  {"uint64", 'u', 8},
	Float32: {"float32", 'f', 4},
	Float64: {"float64", 'f', 8},
}

// DTypes returns every valid DType, in declaration order. The slice is new on
// each call.
func DTypes() []DType {
	out := make([]DType, 0, len(dtypeTable)-1)
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
	return dtypeTable[d].size
}

// String returns the NumPy name of the type ("bool", "int8", ... "float64"),
// or "DType(n)" for an invalid value.
func (d DType) String() string {
	if !d.Valid() {
		return fmt.Sprintf("DType(%d)", int(d))
	}
	return dtypeTable[d].name
}

// Descr returns the NumPy array-protocol type string for d stored in byte
// order o, as NumPy writes it into an npy header: "<f8", ">i4", and for
// one-byte types "|b1", "|i1", "|u1" (byte order does not apply). It returns
// "" for an invalid DType.
func (d DType) Descr(o ByteOrder) string {
	if !d.Valid() {
		return ""
	}
	t := dtypeTable[d]
	c := byte('<')
	switch {
	case t.size == 1:
		c = '|'
	case o == BigEndian:
		c = '>'
	}
	return fmt.Sprintf("%c%c%d", c, t.kind, t.size)
}

// ByteOrder is the byte order of the elements in a file. The zero value is
// LittleEndian.
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

// Valid reports whether o is LittleEndian or BigEndian.
func (o ByteOrder) Valid() bool { return o == LittleEndian || o == BigEndian }

// NativeOrder returns the byte order of the machine running the program; it
// is what NumPy's '=' byte-order character means.
func NativeOrder() ByteOrder {
	var probe [2]byte
	binary.NativeEndian.PutUint16(probe[:], 1)
	if probe[0] == 1 {
		return LittleEndian
	}
	return BigEndian
}

// ParseByteOrder parses a byte order: "little", "le", "<" for LittleEndian,
// "big", "be", ">" for BigEndian, and "native" or "=" for NativeOrder().
// Case and surrounding spaces are ignored. Any other text is an error.
func ParseByteOrder(s string) (ByteOrder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "little", "le", "<", "little-endian", "littleendian":
		return LittleEndian, nil
	case "big", "be", ">", "big-endian", "bigendian":
		return BigEndian, nil
	case "native", "=":
		return NativeOrder(), nil
	}
	return 0, fmt.Errorf("arrayfile: unknown byte order %q (want little or big)", s)
}

// ParseDescr parses a NumPy array-protocol type string such as "<f8", ">i2",
// "|u1", "=u4" or "b1" and returns the element type and byte order. The first
// character may be '<' (little), '>' (big), '=' (native, see NativeOrder) or
// '|' (not applicable); with none, the order is native. One-byte types always
// report LittleEndian. A canonical name such as "float64" is accepted too, in
// native order. Anything else, for example "<c16", "|O", "<U8" or "<f2", is an
// error matching ErrUnsupported that names the string.
func ParseDescr(s string) (DType, ByteOrder, error) {
	t := strings.TrimSpace(s)
	if d, ok := dtypeByName(t); ok {
		return d, orderFor(d, NativeOrder()), nil
	}
	order := NativeOrder()
	if t != "" {
		switch t[0] {
		case '<':
			order, t = LittleEndian, t[1:]
		case '>':
			order, t = BigEndian, t[1:]
		case '=', '|':
			t = t[1:]
		}
	}
	d, ok := dtypeByCode(t)
	if !ok {
		return 0, 0, errorf(ErrUnsupported,
			"arrayfile: unsupported element type %q (supported: b1, i1, u1, i2, u2, i4, u4, i8, u8, f4, f8 with '<', '>', '|' or '=')", s)
	}
	return d, orderFor(d, order), nil
}

// ParseDType parses an element type given by name ("bool", "int8", "uint8",
// ... "float32", "float64"; case-insensitive) or by NumPy code ("b1", "i4",
// "f8", optionally with a byte-order character: "<f8", "|u1", "=i2"). The
// byte order is not returned: a code that says big-endian (">f8", or "=f8" on
// a big-endian machine) for a multi-byte type is an error, because dropping
// it silently would misread the data; use ParseDescr to get both. Unknown
// types are an error matching ErrUnsupported.
func ParseDType(s string) (DType, error) {
	if d, ok := dtypeByName(strings.ToLower(strings.TrimSpace(s))); ok {
		return d, nil
	}
	d, o, err := ParseDescr(s)
	if err != nil {
		return 0, err
	}
	if o == BigEndian {
		return 0, fmt.Errorf("arrayfile: element type %q is big-endian: ParseDType returns the type only; use ParseDescr, or give the byte order separately", s)
	}
	return d, nil
}

func orderFor(d DType, o ByteOrder) ByteOrder {
	if d.Size() == 1 {
		return LittleEndian
	}
	return o
}

func dtypeByName(s string) (DType, bool) {
	for d := Bool; d <= Float64; d++ {
		if dtypeTable[d].name == s {
			return d, true
		}
	}
	return 0, false
}

// dtypeByCode maps a NumPy kind letter plus size ("f8") to a DType.
func dtypeByCode(s string) (DType, bool) {
	if len(s) != 2 || s[1] < '1' || s[1] > '8' {
		return 0, false
	}
	size := int(s[1] - '0')
	for d := Bool; d <= Float64; d++ {
		if t := dtypeTable[d]; t.kind == s[0] && t.size == size {
			return d, true
		}
	}
	return 0, false
}
