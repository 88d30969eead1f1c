package chunking

import (
	"fmt"
	"strconv"
)

// Branch is the AnyArray union branch that carries an array's values (BRIEF 2.1 and
// 5.2). Its numeric value is the union index written on the wire, which is also the
// ordinal of the AnyArrayType enum (transportArrayType in DataArrayMetadata).
type Branch uint8

// The AnyArray branches, in schema order.
const (
	ArrayOfBoolean Branch = 0 // one byte per element
	ArrayOfInt     Branch = 1 // zig-zag varint, 1..5 bytes per element
	ArrayOfLong    Branch = 2 // zig-zag varint, 1..10 bytes per element
	ArrayOfFloat   Branch = 3 // 4 bytes per element, IEEE-754 little-endian
	ArrayOfDouble  Branch = 4 // 8 bytes per element, IEEE-754 little-endian
	ArrayOfString  Branch = 5 // varint length + UTF-8 bytes per element
	Bytes          Branch = 6 // one bytes value: varint length + raw packed elements
)

var branchNames = [...]string{
	ArrayOfBoolean: "ArrayOfBoolean",
	ArrayOfInt:     "ArrayOfInt",
	ArrayOfLong:    "ArrayOfLong",
	ArrayOfFloat:   "ArrayOfFloat",
	ArrayOfDouble:  "ArrayOfDouble",
	ArrayOfString:  "ArrayOfString",
	Bytes:          "bytes",
}

// String returns the schema name of the branch ("ArrayOfDouble", "bytes", ...), or
// "Branch(n)" for a value outside the union.
func (b Branch) String() string {
	if int(b) < len(branchNames) {
		return branchNames[b]
	}
	return "Branch(" + strconv.Itoa(int(b)) + ")"
}

// Element describes how one array element travels on the wire: which AnyArray branch
// carries it and, where the branch alone does not fix it, how wide it is.
//
// The zero value is a boolean element (ArrayOfBoolean). Element values are plain data and
// safe to share between goroutines.
type Element struct {
	// Branch is the AnyArray branch used as transport (transportArrayType).
	Branch Branch

	// Width depends on Branch:
	//   - Bytes: raw bytes per packed element (1 for int8, uint8 and packed booleans,
	//     2 for int16, 4 for int32 and float32, 8 for int64 and double). 0 means 1.
	//   - ArrayOfString: the largest UTF-8 byte length of one string; planning assumes
	//     every element has this length. 0 means every string is empty.
	//   - any other branch: ignored (the branch fixes the size).
	// A negative Width is invalid.
	Width int
}

// Validate reports whether e describes an element the planner can size. The error
// wraps ErrInvalidElement and names the offending value.
func (e Element) Validate() error {
	if e.Branch > Bytes {
		return fmt.Errorf("%w: unknown AnyArray branch %d (want 0..6)", ErrInvalidElement, e.Branch)
	}
	if e.Width < 0 {
		return fmt.Errorf("%w: negative width %d for %v", ErrInvalidElement, e.Width, e.Branch)
	}
	return nil
}

// bytesWidth is the packed width of a Bytes element, with the zero default applied.
func (e Element) bytesWidth() int64 {
	if e.Width == 0 {
		return 1
	}
	return int64(e.Width)
}

// MaxSize returns the largest number of bytes one element can take inside the encoded
// AnyArray: 1 for ArrayOfBoolean, 5 for ArrayOfInt, 10 for ArrayOfLong, 4 for
// ArrayOfFloat, 8 for ArrayOfDouble, varint(Width)+Width for ArrayOfString and Width
// (default 1) for Bytes. The per-array framing (union index, counts, terminator) is not
// included; see AnyArraySize. It returns 0 for an invalid Element.
func (e Element) MaxSize() int64 {
	switch e.Branch {
	case ArrayOfBoolean:
		return 1
	case ArrayOfInt:
		return maxIntVarint
	case ArrayOfLong:
		return maxLongVarint
	case ArrayOfFloat:
		return 4
	case ArrayOfDouble:
		return 8
	case ArrayOfString:
		if e.Width < 0 {
			return 0
		}
		return StringSize(int64(e.Width))
	case Bytes:
		if e.Width < 0 {
			return 0
		}
		return e.bytesWidth()
	}
	return 0
}

// LogicalSize returns the bytes one element counts for against a store's
// MaxDataArraySize ("product of dimensions × element size", BRIEF 3.6): the in-memory
// width of the value, not its varint encoding. That is 1 for ArrayOfBoolean, 4 for
// ArrayOfInt and ArrayOfFloat, 8 for ArrayOfLong and ArrayOfDouble, Width for
// ArrayOfString and Width (default 1) for Bytes. It returns 0 for an invalid Element.
func (e Element) LogicalSize() int64 {
	switch e.Branch {
	case ArrayOfBoolean:
		return 1
	case ArrayOfInt, ArrayOfFloat:
		return 4
	case ArrayOfLong, ArrayOfDouble:
		return 8
	case ArrayOfString:
		if e.Width < 0 {
			return 0
		}
		return int64(e.Width)
	case Bytes:
		if e.Width < 0 {
			return 0
		}
		return e.bytesWidth()
	}
	return 0
}

// String describes the element, for example "ArrayOfDouble", "bytes(width 2)" or
// "ArrayOfString(max 40 bytes)".
func (e Element) String() string {
	switch e.Branch {
	case Bytes:
		return "bytes(width " + strconv.FormatInt(e.bytesWidth(), 10) + ")"
	case ArrayOfString:
		return "ArrayOfString(max " + strconv.Itoa(e.Width) + " bytes)"
	}
	return e.Branch.String()
}
