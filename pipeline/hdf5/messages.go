package hdf5

import (
	"fmt"
	"math"
)

// MaxRank is the largest dataspace rank the format allows (and this package
// accepts).
const MaxRank = 32

// dataspace is a parsed dataspace message: dims and max dims (-1 unlimited);
// rank 0 is a scalar, null is a dataspace with no elements at all.
type dataspace struct {
	dims []int64
	max  []int64
	null bool
}

func (f *File) parseDataspace(m *message, what string) (dataspace, error) {
	r := f.newRd(m.data, m.at, what+" dataspace message")
	var ds dataspace
	version := r.u8()
	rank := int(r.u8())
	flags := r.u8()
	switch version {
	case 1:
		r.skip(5)
	case 2:
		if t := r.u8(); t == 2 {
			ds.null = true
		}
	default:
		if r.err == nil {
			return ds, r.errorf("unknown dataspace version %d", version)
		}
	}
	if r.err != nil {
		return ds, r.err
	}
	if rank > MaxRank {
		return ds, r.errorf("rank %d exceeds %d", rank, MaxRank)
	}
	ds.dims = make([]int64, rank)
	for i := range ds.dims {
		v := r.length()
		if v > math.MaxInt64 {
			r.fail("dimension %d too large", v)
		}
		ds.dims[i] = int64(v)
	}
	if flags&1 != 0 {
		ds.max = make([]int64, rank)
		for i := range ds.max {
			v := r.length()
			if v == undef || (r.sl < 8 && v == 1<<(8*r.sl)-1) {
				ds.max[i] = -1
			} else {
				ds.max[i] = int64(min(v, math.MaxInt64))
			}
		}
	} else {
		ds.max = append([]int64(nil), ds.dims...)
	}
	return ds, r.err
}

// datatype is the element type of a dataset or attribute.
type datatype struct {
	class  int
	size   int
	dtype  DType     // numeric types only
	order  ByteOrder // numeric types only
	str    bool      // fixed-length string
	vlstr  bool      // variable-length string
	reason string    // why the type is not numeric, for errors
}

var classNames = [...]string{"fixed-point", "floating-point", "time", "string", "bitfield", "opaque", "compound", "reference", "enum", "variable-length", "array"}

func className(c int) string {
	if c >= 0 && c < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("class %d", c)
}

// parseDatatype decodes a datatype message body (which may be the base type
// nested in another), returning the type and the number of bytes it used.
func (f *File) parseDatatype(b []byte, at int64, what string, depth int) (datatype, int, error) {
	r := f.newRd(b, at, what+" datatype message")
	var t datatype
	cv := r.u8()
	t.class, _ = int(cv&0x0f), int(cv>>4)
	version := int(cv >> 4)
	bf := [3]byte{r.u8(), r.u8(), r.u8()}
	t.size = int(r.u32())
	if r.err != nil {
		return t, 0, r.err
	}
	if t.size <= 0 || t.size > 1<<20 {
		return t, 0, r.errorf("element size %d", t.size)
	}
	switch t.class {
	case 0: // fixed-point
		offset, prec := r.u16(), r.u16()
		if r.err != nil {
			return t, 0, r.err
		}
		signed := bf[0]&0x08 != 0
		t.order = orderOf(bf[0]&1 != 0, t.size)
		if offset != 0 || int(prec) != 8*t.size {
			t.reason = fmt.Sprintf("fixed-point type with bit offset %d and precision %d", offset, prec)
			break
		}
		t.dtype = intType(t.size, signed)
		if t.dtype == 0 {
			t.reason = fmt.Sprintf("%d-byte integer", t.size)
		}
	case 1: // floating-point
		offset, prec := r.u16(), r.u16()
		eloc, esize, mloc, msize := r.u8(), r.u8(), r.u8(), r.u8()
		bias := r.u32()
		if r.err != nil {
			return t, 0, r.err
		}
		lo, hi := bf[0]&1 != 0, bf[0]&0x40 != 0
		if hi {
			t.reason = "VAX-order floating-point type"
			break
		}
		t.order = orderOf(lo, t.size)
		sign := bf[1]
		switch {
		case t.size == 4 && offset == 0 && prec == 32 && eloc == 23 && esize == 8 && mloc == 0 && msize == 23 && bias == 127 && sign == 31:
			t.dtype = Float32
		case t.size == 8 && offset == 0 && prec == 64 && eloc == 52 && esize == 11 && mloc == 0 && msize == 52 && bias == 1023 && sign == 63:
			t.dtype = Float64
		default:
			t.reason = fmt.Sprintf("%d-byte floating-point type that is not IEEE 754 binary32 or binary64", t.size)
		}
	case 3: // string
		t.str = true
		t.reason = "fixed-length string type"
	case 8: // enum
		if depth > 4 {
			return t, 0, r.errorf("nested enum types")
		}
		nm := int(bf[0]) | int(bf[1])<<8
		base, n, err := f.parseDatatype(b[r.p:], at+int64(r.p), what, depth+1)
		if err != nil {
			return t, 0, err
		}
		r.skip(n)
		names := make([]string, 0, min(nm, 64))
		for i := 0; i < nm && r.err == nil; i++ {
			start := r.p
			for r.left() > 0 && r.b[r.p] != 0 {
				r.p++
			}
			name := string(r.b[start:r.p])
			r.skip(1)
			if version < 3 {
				for (r.p-start)%8 != 0 && r.left() > 0 {
					r.p++
				}
			}
			names = append(names, name)
		}
		vals := r.take(nm * base.size)
		if r.err != nil {
			return t, 0, r.err
		}
		t.reason = fmt.Sprintf("enum type with %d members", nm)
		if nm == 2 && base.size == 1 && t.size == 1 && (base.dtype == Int8 || base.dtype == Uint8) &&
			((vals[0] == 0 && vals[1] == 1) || (vals[0] == 1 && vals[1] == 0)) {
			t.dtype = Bool
			t.reason = ""
		}
		_ = names
	case 9: // variable-length
		if bf[0]&0x0f == 1 {
			t.vlstr = true
			t.reason = "variable-length string type"
		} else {
			t.reason = "variable-length sequence type"
		}
		base, n, err := f.parseDatatype(b[r.p:], at+int64(r.p), what, depth+1)
		_ = base
		if err != nil {
			return t, 0, err
		}
		r.skip(n)
	default:
		t.reason = className(t.class) + " type"
		// Properties of other classes are not needed; consume what is left
		// only when this is the top-level message.
		r.p = len(r.b)
	}
	if r.err != nil {
		return t, 0, r.err
	}
	if t.dtype != 0 && t.dtype.Size() == 1 {
		t.order = LittleEndian
	}
	return t, r.p, nil
}

func orderOf(big bool, size int) ByteOrder {
	if big && size > 1 {
		return BigEndian
	}
	return LittleEndian
}

func intType(size int, signed bool) DType {
	switch size {
	case 1:
		if signed {
			return Int8
		}
		return Uint8
	case 2:
		if signed {
			return Int16
		}
		return Uint16
	case 4:
		if signed {
			return Int32
		}
		return Uint32
	case 8:
		if signed {
			return Int64
		}
		return Uint64
	}
	return 0
}

// parseFill returns the fill value bytes of a fill value message (new or
// old style), or nil when none is defined.
func (f *File) parseFill(m *message, what string) ([]byte, error) {
	r := f.newRd(m.data, m.at, what+" fill value message")
	if m.typ == msgFillOld {
		n := r.u32()
		v := r.take(int(n))
		return v, r.err
	}
	version := r.u8()
	switch version {
	case 1, 2:
		r.skip(2) // allocation and write times
		defined := r.u8()
		if version == 2 && defined == 0 {
			return nil, r.err
		}
		n := r.u32()
		if r.err != nil || n == 0 {
			return nil, r.err
		}
		v := r.take(int(n))
		return v, r.err
	case 3:
		flags := r.u8()
		if flags&0x20 == 0 {
			return nil, r.err
		}
		n := r.u32()
		v := r.take(int(n))
		return v, r.err
	}
	if r.err != nil {
		return nil, r.err
	}
	return nil, r.errorf("unknown fill value message version %d", version)
}

// Layout classes.
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
	layoutVirtual    = 3
)

// Chunk index types of layout version 4.
const (
	idxBtreeV1   = 0 // layout version 3
	idxSingle    = 1
	idxImplicit  = 2
	idxFixed     = 3
	idxExtensive = 4
	idxBtreeV2   = 5
)

var indexNames = map[int]string{
	idxBtreeV1: "btree-v1", idxSingle: "single", idxImplicit: "implicit",
	idxFixed: "fixed-array", idxExtensive: "extensible-array", idxBtreeV2: "btree-v2",
}

type layout struct {
	class   int
	addr    uint64
	size    uint64 // contiguous size
	compact []byte
	chunk   []uint64 // chunk dims (rank), element size dropped
	elem    uint64   // element size stored with the chunk dims
	index   int
	flags   uint8
	// single chunk, filtered
	singleSize uint64
	singleMask uint32
	// fixed array
	pageBits uint8
	// v2 B-tree
	nodeSize uint32
}

func (f *File) parseLayout(m *message, what string) (layout, error) {
	r := f.newRd(m.data, m.at, what+" data layout message")
	var l layout
	version := r.u8()
	if r.err != nil {
		return l, r.err
	}
	if version < 3 || version > 4 {
		return l, unsupported("%s: data layout message version %d (written before HDF5 1.6)", what, version)
	}
	l.class = int(r.u8())
	switch l.class {
	case layoutCompact:
		n := r.u16()
		l.compact = r.take(int(n))
	case layoutContiguous:
		l.addr = r.addr()
		l.size = r.length()
	case layoutChunked:
		if version == 3 {
			nd := int(r.u8())
			l.addr = r.addr()
			if r.err == nil && (nd < 1 || nd > MaxRank+1) {
				return l, r.errorf("chunk dimensionality %d", nd)
			}
			l.chunk = make([]uint64, nd)
			for i := range l.chunk {
				l.chunk[i] = uint64(r.u32())
			}
			l.index = idxBtreeV1
		} else {
			l.flags = r.u8()
			nd := int(r.u8())
			enc := int(r.u8())
			if r.err == nil && (nd < 1 || nd > MaxRank+1 || enc < 1 || enc > 8) {
				return l, r.errorf("chunk dimensionality %d with %d-byte sizes", nd, enc)
			}
			l.chunk = make([]uint64, nd)
			for i := range l.chunk {
				l.chunk[i] = r.uN(enc)
			}
			l.index = int(r.u8())
			switch l.index {
			case idxSingle:
				if l.flags&2 != 0 {
					l.singleSize = r.length()
					l.singleMask = r.u32()
				}
			case idxImplicit:
			case idxFixed:
				l.pageBits = r.u8()
			case idxExtensive:
				r.skip(5)
			case idxBtreeV2:
				l.nodeSize = r.u32()
				r.skip(2)
			default:
				if r.err == nil {
					return l, unsupported("%s: unsupported chunk index %d", what, l.index)
				}
			}
			l.addr = r.addr()
		}
		if r.err == nil {
			n := len(l.chunk)
			l.elem = l.chunk[n-1]
			l.chunk = l.chunk[:n-1]
			for i, c := range l.chunk {
				if c == 0 {
					return l, r.errorf("chunk dimension %d is 0", i)
				}
			}
		}
	case layoutVirtual:
		if r.err == nil {
			return l, unsupported("%s is a virtual dataset: virtual datasets (VDS) are not supported", what)
		}
	default:
		if r.err == nil {
			return l, r.errorf("unknown layout class %d", l.class)
		}
	}
	return l, r.err
}

// Filter identifiers (HDF5 registered filter ids).
const (
	filterDeflate    = 1
	filterShuffle    = 2
	filterFletcher32 = 3
	filterSzip       = 4
	filterNbit       = 5
	filterScaleOff   = 6
)

var filterNames = map[int]string{
	filterDeflate: "deflate", filterShuffle: "shuffle", filterFletcher32: "fletcher32",
	filterSzip: "szip", filterNbit: "nbit", filterScaleOff: "scaleoffset",
	32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32013: "zfp", 32015: "zstd",
}

// Filter describes one filter of a dataset's pipeline, in the order it was
// applied when writing.
type Filter struct {
	// ID is the HDF5 filter identifier (1 deflate, 2 shuffle, 3 fletcher32).
	ID int
	// Name is the filter's well-known name ("deflate"), or the name stored
	// in the file, or "filter-N".
	Name string
	// Optional reports whether the filter may have been skipped for some
	// chunks (HDF5's optional flag).
	Optional bool
	// Params are the filter's client data values.
	Params []uint32
}

func (f *File) parseFilters(m *message, what string) ([]Filter, error) {
	r := f.newRd(m.data, m.at, what+" filter pipeline message")
	version := r.u8()
	n := int(r.u8())
	if r.err != nil {
		return nil, r.err
	}
	if version == 1 {
		r.skip(6)
	} else if version != 2 {
		return nil, r.errorf("unknown filter pipeline version %d", version)
	}
	if n > 32 {
		return nil, r.errorf("%d filters (at most 32)", n)
	}
	out := make([]Filter, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		var fl Filter
		fl.ID = int(r.u16())
		nameLen := 0
		if version == 1 || fl.ID >= 256 {
			nameLen = int(r.u16())
		}
		flags := r.u16()
		fl.Optional = flags&1 != 0
		nv := int(r.u16())
		if nameLen > 0 {
			name := r.take(nameLen)
			if version == 1 && nameLen%8 != 0 {
				r.skip(8 - nameLen%8)
			}
			if i := indexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			fl.Name = string(name)
		}
		if nv > 1024 {
			r.fail("filter with %d parameters", nv)
		}
		for j := 0; j < nv && r.err == nil; j++ {
			fl.Params = append(fl.Params, r.u32())
		}
		if version == 1 && nv%2 == 1 {
			r.skip(4)
		}
		if known, ok := filterNames[fl.ID]; ok {
			fl.Name = known
		} else if fl.Name == "" {
			fl.Name = fmt.Sprintf("filter-%d", fl.ID)
		}
		out = append(out, fl)
	}
	return out, r.err
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
