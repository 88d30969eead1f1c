package hdf5

// fheap is an open fractal heap (File Format Specification 3.0, section
// III.G), used for the links of dense groups and dense attributes.
type fheap struct {
	f          *File
	what       string
	idLen      int
	filtered   bool
	checksums  bool // direct blocks carry checksums
	width      uint64
	start      uint64 // starting block size
	maxDirect  uint64
	maxHeap    int // bits of heap offsets
	root       uint64
	rootRows   uint64
	offSize    int // bytes of a heap offset
	lenSize    int // bytes of a managed object length in an ID
	directRows uint64
}

func (f *File) openFheap(a uint64, what string) (*fheap, error) {
	so, sl := uint64(f.sizeOff), uint64(f.sizeLen)
	n := 4 + 1 + 2 + 2 + 1 + 4 + sl + so + sl + so + 8*sl + 2 + sl + sl + 2 + 2 + so + 2 + sl + 4 + 4
	b, off, err := f.readUpTo(a, int64(n)+512, what)
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, what)
	r.sig("FRHP")
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, r.errorf("unknown fractal heap version %d", v)
	}
	h := &fheap{f: f, what: what}
	h.idLen = int(r.u16())
	filterLen := int(r.u16())
	flags := r.u8()
	h.checksums = flags&2 != 0
	maxManaged := uint64(r.u32())
	r.length() // next huge object id
	r.addr()   // huge object B-tree
	r.length() // free space
	r.addr()   // free space manager
	r.length() // managed space
	r.length() // allocated managed space
	r.length() // direct block allocation iterator
	r.length() // managed objects
	r.length() // huge object size
	r.length() // huge objects
	r.length() // tiny object size
	r.length() // tiny objects
	h.width = uint64(r.u16())
	h.start = r.length()
	h.maxDirect = r.length()
	h.maxHeap = int(r.u16())
	r.u16() // starting rows of root indirect block
	h.root = r.addr()
	h.rootRows = uint64(r.u16())
	if filterLen > 0 {
		h.filtered = true
		r.length()
		r.u32()
		r.skip(filterLen)
	}
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	if h.width == 0 || h.width > 1<<16 || !pow2(h.start) || !pow2(h.maxDirect) || h.maxDirect < h.start ||
		h.maxHeap <= 0 || h.maxHeap > 64 || h.rootRows > 64 || h.idLen < 1 || h.idLen > 1<<10 {
		return nil, corrupt(what, off, "fractal heap parameters width %d, block sizes %d..%d, heap bits %d, root rows %d",
			h.width, h.start, h.maxDirect, h.maxHeap, h.rootRows)
	}
	h.offSize = (h.maxHeap + 7) / 8
	h.lenSize = min((log2(h.maxDirect)+7)/8, (log2(maxManaged)+7)/8)
	h.directRows = uint64(log2(h.maxDirect)-log2(h.start)) + 2
	return h, nil
}

// rowSize is the size of the blocks in row r of an indirect block.
func (h *fheap) rowSize(r uint64) uint64 {
	if r == 0 {
		return h.start
	}
	return h.start << (r - 1)
}

// get returns the object with heap ID id.
func (h *fheap) get(id []byte) ([]byte, error) {
	if len(id) < 1 {
		return nil, corrupt(h.what, 0, "empty heap ID")
	}
	switch (id[0] >> 4) & 3 {
	case 0:
	case 2: // tiny: the object lives in the ID itself
		n := int(id[0]&0x0f) + 1
		if 1+n > len(id) {
			return nil, corrupt(h.what, 0, "tiny heap object of %d bytes in a %d-byte ID", n, len(id))
		}
		return id[1 : 1+n], nil
	default:
		return nil, unsupported("%s: huge fractal heap objects are not supported", h.what)
	}
	r := &rd{b: id, p: 1, what: h.what + " heap ID"}
	off := r.uN(h.offSize)
	n := r.uN(h.lenSize)
	if r.err != nil {
		return nil, r.err
	}
	if h.filtered {
		return nil, unsupported("%s: filtered fractal heaps are not supported", h.what)
	}
	addr, blockOff, size, err := h.locate(off)
	if err != nil {
		return nil, err
	}
	rel := off - blockOff
	if n == 0 || rel > size || n > size-rel {
		return nil, corrupt(h.what, int64(addr), "heap object at offset %d, %d bytes, outside its %d-byte block", off, n, size)
	}
	b, _, err := h.f.readMeta(addr+rel, n, h.what)
	return b, err
}

// locate finds the direct block holding heap offset off: its address, its
// heap offset and its size.
func (h *fheap) locate(off uint64) (addr, blockOff, size uint64, err error) {
	if h.root == undef {
		return 0, 0, 0, corrupt(h.what, 0, "heap object in an empty heap")
	}
	if h.rootRows == 0 {
		return h.root, 0, h.start, nil
	}
	a, base, rows := h.root, uint64(0), h.rootRows
	for depth := 0; depth < 64; depth++ {
		entries := rows * h.width
		ndirect := min(rows, h.directRows) * h.width
		entrySize := uint64(h.f.sizeOff)
		blen := 4 + 1 + uint64(h.f.sizeOff) + uint64(h.offSize) + ndirect*entrySize + (entries-ndirect)*entrySize + 4
		b, boff, err := h.f.readMeta(a, blen, h.what)
		if err != nil {
			return 0, 0, 0, err
		}
		r := h.f.newRd(b, boff, h.what)
		r.sig("FHIB")
		r.u8()
		r.addr()
		r.uN(h.offSize)
		addrs := make([]uint64, entries)
		for i := range addrs {
			addrs[i] = r.addr()
		}
		r.checksum(0)
		if r.err != nil {
			return 0, 0, 0, r.err
		}
		rel := off - base
		acc := uint64(0)
		found := false
		for row := uint64(0); row < rows; row++ {
			rs := h.rowSize(row)
			span := rs * h.width
			if rel < acc+span {
				col := (rel - acc) / rs
				child := addrs[row*h.width+col]
				childOff := base + acc + col*rs
				if child == undef {
					return 0, 0, 0, corrupt(h.what, boff, "heap offset %d lies in an unallocated block", off)
				}
				if row < h.directRows {
					return child, childOff, rs, nil
				}
				// Child indirect block: its rows follow from its size.
				nrows := uint64(log2(rs)-log2(h.start*h.width)) + 1
				a, base, rows = child, childOff, nrows
				found = true
				break
			}
			acc += span
		}
		if !found {
			return 0, 0, 0, corrupt(h.what, boff, "heap offset %d beyond the heap", off)
		}
	}
	return 0, 0, 0, corrupt(h.what, 0, "fractal heap nested too deeply")
}
