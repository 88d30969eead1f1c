package storage

import (
	"fmt"
	"slices"
	"strings"
)

// Limits on keys and shapes. Longer keys and more dimensions fail with
// ErrInvalid; they keep every bbolt key well under its 32 KiB maximum.
const (
	// MaxKeyLen is the maximum length in bytes of a URI, a dataspace path and
	// a pathInResource.
	MaxKeyLen = 4096
	// MaxDims is the maximum number of dimensions of an array.
	MaxDims = 32
)

// Dataspace is an ETP dataspace (ETP 1.2 section 24). Path "" is the default
// dataspace (URI eml:///), which always exists and cannot be deleted.
type Dataspace struct {
	// Path is the name inside eml:///dataspace('...'); "" for the default.
	Path string
	// CustomData is opaque to the store (the server encodes the ETP
	// customData map into it).
	CustomData []byte
	// StoreCreated is set by the store when the dataspace is first put,
	// in microseconds since the Unix epoch, UTC.
	StoreCreated int64
	// StoreLastWrite is set by the store on every write to the dataspace or
	// to anything in it, in microseconds since the Unix epoch, UTC.
	StoreLastWrite int64
}

// ObjectInfo describes a stored data object without its XML bytes.
type ObjectInfo struct {
	// URI is the canonical ETP URI given by the caller; it is the key.
	URI string
	// Dataspace is the path of the dataspace holding the object.
	Dataspace string
	// Type is the qualified type, e.g. "resqml20.obj_Grid2dRepresentation".
	Type string
	// UUID is the object's uuid as given by the caller.
	UUID string
	// Title is the citation title (the ETP Resource name).
	Title string
	// LastChanged is the caller's lastChanged time in microseconds; 0 on put
	// means "use the store's write time".
	LastChanged int64
	// StoreCreated and StoreLastWrite are set by the store, microseconds UTC.
	StoreCreated, StoreLastWrite int64
	// CustomData is opaque to the store.
	CustomData []byte
	// Size is the length of the XML bytes; set by the store.
	Size int64
}

// Object is a data object: its description and its serialized XML bytes.
type Object struct {
	ObjectInfo
	// Data holds the serialized object (UTF-8 XML); opaque to the store.
	Data []byte
}

// ArrayKey identifies a data array: the URI of the data object that owns the
// external array storage and the pathInResource (ETP 1.2 section 9,
// DataArrayIdentifier). Deleting the object with that URI deletes all its
// arrays.
type ArrayKey struct {
	URI  string
	Path string
}

// String formats the key for error messages.
func (k ArrayKey) String() string { return fmt.Sprintf("%s path %q", k.URI, k.Path) }

// ElementKind is the type of one array element; it fixes the element size.
// The values are persisted: they never change meaning.
type ElementKind uint8

// Element kinds. KindString exists so that callers can ask for string arrays
// uniformly; creating one fails with ErrUnsupported.
const (
	KindInvalid ElementKind = iota
	KindBool
	KindInt8
	KindUint8
	KindInt16
	KindUint16
	KindInt32
	KindUint32
	KindFloat32
	KindInt64
	KindUint64
	KindFloat64
	KindString
	kindEnd
)

var kindNames = [...]string{"invalid", "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "int64", "uint64", "float64", "string"}

// String returns the lower-case Go-style name of the kind ("float64").
func (k ElementKind) String() string {
	if k < kindEnd {
		return kindNames[k]
	}
	return fmt.Sprintf("ElementKind(%d)", uint8(k))
}

// Size returns the element size in bytes: 1 for bool, int8 and uint8, 2 for
// 16-bit, 4 for 32-bit and 8 for 64-bit kinds, and 0 for KindString and
// unknown kinds.
func (k ElementKind) Size() int {
	switch k {
	case KindBool, KindInt8, KindUint8:
		return 1
	case KindInt16, KindUint16:
		return 2
	case KindInt32, KindUint32, KindFloat32:
		return 4
	case KindInt64, KindUint64, KindFloat64:
		return 8
	}
	return 0
}

// ArrayMeta describes a data array (ETP DataArrayMetadata plus what the store
// needs). Elements are stored as little-endian fixed-width bytes in row-major
// order (last dimension fastest); the store interprets them only for size.
type ArrayMeta struct {
	// Dataspace is the path of the dataspace the array belongs to. It must
	// exist, and it must be the dataspace of the data object with the key's
	// URI when that object exists.
	Dataspace string
	// Dimensions, slowest to fastest varying; 1 to MaxDims entries, each >= 0.
	Dimensions []int64
	// Kind fixes the element size.
	Kind ElementKind
	// TransportArrayType and LogicalArrayType are the ETP enum ordinals,
	// opaque to the store.
	TransportArrayType int32
	LogicalArrayType   int32
	// PreferredSubarrayDimensions is empty or has one entry per dimension,
	// each in 1..max(dimension, 1).
	PreferredSubarrayDimensions []int64
	// StoreCreated and StoreLastWrite are set by the store (values given on
	// create are ignored), microseconds UTC.
	StoreCreated, StoreLastWrite int64
	// CustomData is opaque to the store.
	CustomData []byte
}

// ElementCount returns the product of the dimensions (1 for no dimensions).
// It does not check for overflow; stored metadata never overflows.
func (m ArrayMeta) ElementCount() int64 {
	n := int64(1)
	for _, d := range m.Dimensions {
		n *= d
	}
	return n
}

// ByteSize returns ElementCount times the element size.
func (m ArrayMeta) ByteSize() int64 { return m.ElementCount() * int64(m.Kind.Size()) }

// Array is an array key with its metadata, as listed by ListArrays.
type Array struct {
	Key  ArrayKey
	Meta ArrayMeta
}

// DataspaceFilter selects dataspaces in ListDataspaces. The zero value lists
// all.
type DataspaceFilter struct {
	// LastWriteAfter keeps dataspaces whose StoreLastWrite is strictly
	// greater (ETP storeLastWriteFilter). 0 keeps all.
	LastWriteAfter int64
	// Limit caps the number returned (ETP MaxResponseCount); 0 = no limit.
	Limit int
}

// ObjectFilter selects data objects in ListObjects. The zero value lists all
// objects of the dataspace.
type ObjectFilter struct {
	// Types keeps objects whose qualified type matches one of the patterns:
	// an exact qualified type ("resqml20.obj_Grid2dRepresentation"), a
	// wildcard over a domain version ("resqml20.*"), or "*". Matching ignores
	// letter case. Empty keeps all.
	Types []string
	// LastWriteAfter keeps objects whose StoreLastWrite is strictly greater;
	// 0 keeps all.
	LastWriteAfter int64
	// After starts the listing after this URI (exclusive), for paging:
	// pass the last URI of the previous page. "" starts at the beginning.
	After string
	// Limit caps the number returned; 0 = no limit.
	Limit int
}

func (f *ObjectFilter) match(info *objRec) bool {
	if f.LastWriteAfter != 0 && info.lastWrite <= f.LastWriteAfter {
		return false
	}
	if len(f.Types) == 0 {
		return true
	}
	for _, p := range f.Types {
		if typeMatches(p, info.typ) {
			return true
		}
	}
	return false
}

// typeMatches reports whether the qualified type typ matches pattern: exact,
// "domainvv.*" or "*", ignoring case.
func typeMatches(pattern, typ string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return len(typ) >= len(prefix) && strings.EqualFold(typ[:len(prefix)], prefix)
	}
	return strings.EqualFold(pattern, typ)
}

func checkKey(what, s string, allowEmpty bool) error {
	if s == "" && !allowEmpty {
		return fmt.Errorf("%s is empty: %w", what, ErrInvalid)
	}
	if len(s) > MaxKeyLen {
		return fmt.Errorf("%s is %d bytes long, more than %d: %w", what, len(s), MaxKeyLen, ErrInvalid)
	}
	return nil
}

func checkArrayKey(k ArrayKey) error {
	if err := checkKey("array uri", k.URI, false); err != nil {
		return err
	}
	return checkKey("pathInResource", k.Path, true)
}

// checkArrayMeta validates m and returns the array's byte size.
func checkArrayMeta(m *ArrayMeta, maxBytes int64) (int64, error) {
	if err := checkKey("dataspace path", m.Dataspace, true); err != nil {
		return 0, err
	}
	if m.Kind == KindString {
		return 0, fmt.Errorf("arrays of strings: %w", ErrUnsupported)
	}
	es := m.Kind.Size()
	if es == 0 {
		return 0, fmt.Errorf("unknown element kind %d: %w", uint8(m.Kind), ErrInvalid)
	}
	if len(m.Dimensions) == 0 || len(m.Dimensions) > MaxDims {
		return 0, fmt.Errorf("%d dimensions, want 1 to %d: %w", len(m.Dimensions), MaxDims, ErrInvalid)
	}
	size := int64(es)
	overflow := false
	for i, d := range m.Dimensions {
		if d < 0 {
			return 0, fmt.Errorf("dimensions[%d] = %d is negative: %w", i, d, ErrInvalid)
		}
		if d != 0 && size > (1<<63-1)/d {
			overflow = true
		}
		if !overflow {
			size *= d
		}
	}
	if slices.Contains(m.Dimensions, 0) {
		size, overflow = 0, false
	}
	if overflow {
		return 0, fmt.Errorf("dimensions %v of %s overflow int64 bytes: %w", m.Dimensions, m.Kind, ErrTooLarge)
	}
	if maxBytes > 0 && size > maxBytes {
		return 0, fmt.Errorf("array of %d bytes exceeds the limit of %d: %w", size, maxBytes, ErrTooLarge)
	}
	if p := m.PreferredSubarrayDimensions; len(p) != 0 {
		if len(p) != len(m.Dimensions) {
			return 0, fmt.Errorf("%d preferred subarray dimensions for %d dimensions: %w", len(p), len(m.Dimensions), ErrInvalid)
		}
		for i, v := range p {
			if v < 1 || v > max(m.Dimensions[i], 1) {
				return 0, fmt.Errorf("preferredSubarrayDimensions[%d] = %d outside 1..%d: %w", i, v, max(m.Dimensions[i], 1), ErrInvalid)
			}
		}
	}
	return size, nil
}
