package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Attribute is one attribute of a group or dataset.
type Attribute struct {
	// Name is the attribute's name.
	Name string
	// Value is the attribute's value: for a scalar, an int64 (signed
	// integers), uint64 (unsigned), float64, bool or string (fixed or
	// variable-length; fixed strings lose their NUL or space padding); for an
	// array of any shape, the flattened []int64, []uint64, []float64, []bool
	// or []string. Nil when Err is set.
	Value any
	// Err says why the value could not be decoded (an unsupported type such
	// as compound or reference, or a corrupt message); the name is still
	// valid.
	Err error
}

// maxAttrElems bounds the elements of one attribute value.
const maxAttrElems = 1 << 20

// Attributes returns the dataset's attributes sorted by name (see
// Attribute). Errors reading the attribute storage itself are returned;
// undecodable values are reported in each Attribute's Err. Safe for
// concurrent use.
func (d *Dataset) Attributes() ([]Attribute, error) {
	if err := d.f.rlock(); err != nil {
		return nil, err
	}
	defer d.f.mu.RUnlock()
	out, err := d.f.attributes(d.attrs, d.name)
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: attributes of %s: %w", d.f.path, d.name, err)
	}
	return out, nil
}

// Attributes returns the attributes of the group or dataset at path ("/"
// for the root group), as Dataset.Attributes does.
func (f *File) Attributes(path string) ([]Attribute, error) {
	if err := f.rlock(); err != nil {
		return nil, err
	}
	defer f.mu.RUnlock()
	o, _, err := f.resolve(path)
	var out []Attribute
	if err == nil {
		out, err = f.attributes(o, cleanPath(path))
	}
	if err != nil {
		return nil, fmt.Errorf("hdf5: %s: attributes of %s: %w", f.path, cleanPath(path), err)
	}
	return out, nil
}

func (f *File) attributes(o *object, name string) ([]Attribute, error) {
	var out []Attribute
	for i := range o.msgs {
		m := &o.msgs[i]
		if m.typ != msgAttribute {
			continue
		}
		a, err := f.parseAttribute(m.data, m.at, name)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if m := o.find(msgAttrInfo); m != nil {
		dense, err := f.denseAttributes(m, name)
		if err != nil {
			return nil, err
		}
		out = append(out, dense...)
	}
	slices.SortFunc(out, func(a, b Attribute) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (f *File) denseAttributes(m *message, name string) ([]Attribute, error) {
	what := "attributes of " + name
	r := f.newRd(m.data, m.at, what+" attribute info message")
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, r.errorf("unknown attribute info version %d", v)
	}
	flags := r.u8()
	if flags&1 != 0 {
		r.skip(2)
	}
	heapAddr, idxAddr := r.addr(), r.addr()
	if r.err != nil {
		return nil, r.err
	}
	if heapAddr == undef || idxAddr == undef {
		return nil, nil
	}
	h, err := f.openFheap(heapAddr, what+" heap")
	if err != nil {
		return nil, err
	}
	t, err := f.openBtree2(idxAddr, what+" name index")
	if err != nil {
		return nil, err
	}
	if t.typ != 8 || t.recSize < h.idLen+9 {
		return nil, corrupt(t.what, int64(idxAddr), "record type %d of size %d, want type 8", t.typ, t.recSize)
	}
	var out []Attribute
	err = t.walk(func(rec []byte) error {
		if len(out) >= maxHeaderMessages {
			return corrupt(what, int64(idxAddr), "more than %d attributes", maxHeaderMessages)
		}
		if rec[h.idLen]&2 != 0 {
			out = append(out, Attribute{Name: "?", Err: unsupported("shared attribute messages are not supported")})
			return nil
		}
		b, err := h.get(rec[:h.idLen])
		if err != nil {
			return err
		}
		a, err := f.parseAttribute(b, -1, name)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, nil)
	return out, err
}

// parseAttribute decodes an attribute message. Only a malformed message
// prefix is an error; an undecodable value is reported in Attribute.Err.
func (f *File) parseAttribute(b []byte, at int64, owner string) (Attribute, error) {
	what := "attribute of " + owner
	r := f.newRd(b, at, what)
	version := r.u8()
	flags := r.u8()
	nameLen := int(r.u16())
	dtLen := int(r.u16())
	dsLen := int(r.u16())
	if version == 3 {
		r.skip(1)
	}
	if r.err != nil {
		return Attribute{}, r.err
	}
	if version < 1 || version > 3 {
		return Attribute{}, r.errorf("unknown attribute message version %d", version)
	}
	pad := func(n int) int {
		if version == 1 {
			return (n + 7) &^ 7
		}
		return n
	}
	nb := r.take(pad(nameLen))
	if r.err != nil || nameLen == 0 {
		return Attribute{}, r.errorf("attribute name of %d bytes", nameLen)
	}
	a := Attribute{Name: strings.TrimRight(string(nb[:nameLen]), "\x00")}
	dtAt := r.at + int64(r.p)
	dtb := r.take(pad(dtLen))
	dsAt := r.at + int64(r.p)
	dsb := r.take(pad(dsLen))
	if r.err != nil {
		return a, r.err
	}
	if flags&3 != 0 {
		a.Err = unsupported("attribute %s: shared datatype or dataspace", a.Name)
		return a, nil
	}
	dt, _, err := f.parseDatatype(dtb[:dtLen], dtAt, what, 0)
	if err != nil {
		a.Err = err
		return a, nil
	}
	space, err := f.parseDataspace(&message{data: dsb[:dsLen], at: dsAt}, what)
	if err != nil {
		a.Err = err
		return a, nil
	}
	n := elements(space.dims)
	if space.null {
		n = 0
	}
	if n < 0 || n > maxAttrElems {
		a.Err = corrupt(what, dsAt, "attribute %s has %d elements", a.Name, n)
		return a, nil
	}
	data := b[r.p:]
	if int64(len(data)) < n*int64(dt.size) {
		a.Err = corrupt(what, r.at+int64(r.p), "attribute %s: %d data bytes for %d elements of %d bytes", a.Name, len(data), n, dt.size)
		return a, nil
	}
	scalar := len(space.dims) == 0
	a.Value, a.Err = f.attrValue(dt, data[:n*int64(dt.size)], int(n), scalar, a.Name)
	if a.Err != nil {
		a.Value = nil
	}
	return a, nil
}

func (f *File) attrValue(dt datatype, b []byte, n int, scalar bool, name string) (any, error) {
	switch {
	case dt.str:
		out := make([]string, n)
		for i := range out {
			out[i] = strings.TrimRight(string(b[i*dt.size:(i+1)*dt.size]), "\x00 ")
		}
		if scalar {
			return out[0], nil
		}
		return out, nil
	case dt.vlstr:
		out := make([]string, n)
		es := 4 + f.sizeOff + 4
		if dt.size != es {
			return nil, corrupt("attribute "+name, -1, "variable-length element of %d bytes", dt.size)
		}
		for i := range out {
			e := b[i*es:]
			ln := binary.LittleEndian.Uint32(e)
			coll := addrOf(e[4 : 4+f.sizeOff])
			idx := binary.LittleEndian.Uint32(e[4+f.sizeOff:])
			if ln == 0 || coll == undef || coll == 0 {
				continue
			}
			s, err := f.globalHeapObject(coll, idx, "attribute "+name)
			if err != nil {
				return nil, err
			}
			if uint64(ln) > uint64(len(s)) {
				return nil, corrupt("attribute "+name, -1, "string of %d bytes in a %d-byte heap object", ln, len(s))
			}
			out[i] = string(s[:ln])
		}
		if scalar {
			return out[0], nil
		}
		return out, nil
	case dt.dtype == 0:
		return nil, unsupported("attribute %s has a %s", name, dt.reason)
	}
	es := dt.dtype.Size()
	vals := make([]byte, len(b))
	copy(vals, b)
	if dt.order == BigEndian {
		swapBytes(vals, es)
	}
	get := func(i int) uint64 { return leUint(vals[i*es : (i+1)*es]) }
	switch dt.dtype {
	case Bool:
		out := make([]bool, n)
		for i := range out {
			out[i] = vals[i] != 0
		}
		if scalar {
			return out[0], nil
		}
		return out, nil
	case Float32, Float64:
		out := make([]float64, n)
		for i := range out {
			if es == 4 {
				out[i] = float64(math.Float32frombits(uint32(get(i))))
			} else {
				out[i] = math.Float64frombits(get(i))
			}
		}
		if scalar {
			return out[0], nil
		}
		return out, nil
	case Int8, Int16, Int32, Int64:
		out := make([]int64, n)
		shift := 64 - 8*es
		for i := range out {
			out[i] = int64(get(i)<<shift) >> shift
		}
		if scalar {
			return out[0], nil
		}
		return out, nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = get(i)
	}
	if scalar {
		return out[0], nil
	}
	return out, nil
}

// globalHeapObject returns object idx of the global heap collection at a.
func (f *File) globalHeapObject(a uint64, idx uint32, what string) ([]byte, error) {
	what += " global heap"
	b, off, err := f.readMeta(a, uint64(8+f.sizeLen), what)
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, what)
	r.sig("GCOL")
	r.skip(4)
	size := r.length()
	if r.err != nil {
		return nil, r.err
	}
	if size < uint64(8+f.sizeLen) {
		return nil, corrupt(what, off, "collection of %d bytes", size)
	}
	b, off, err = f.readMeta(a, size, what)
	if err != nil {
		return nil, err
	}
	r = f.newRd(b, off, what)
	r.p = 8 + f.sizeLen
	for r.left() >= 8+f.sizeLen && r.err == nil {
		i := r.u16()
		r.skip(6)
		n := r.length()
		if i == 0 {
			break // free space
		}
		if n > uint64(r.left()) {
			return nil, r.errorf("heap object of %d bytes", n)
		}
		data := r.take(int(n))
		if uint32(i) == idx {
			return data, nil
		}
		if p := (n + 7) &^ 7; p > n {
			r.skip(int(min(p-n, uint64(r.left()))))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return nil, corrupt(what, off, "no object %d in the collection", idx)
}
