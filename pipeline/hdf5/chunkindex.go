package hdf5

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// chunkRef locates one stored chunk: its address, its stored (filtered)
// size and its filter mask (bit i set: filter i was skipped).
type chunkRef struct {
	addr uint64
	size uint64
	mask uint32
}

// chunkIndex finds the allocated chunks of a dataset.
type chunkIndex interface {
	// find calls fn for every allocated chunk whose scaled coordinates
	// (chunk grid position) lie in the inclusive box [lo, hi]. fn must not
	// keep scaled.
	find(lo, hi []uint64, fn func(scaled []uint64, c chunkRef) error) error
}

// maxIndexElems bounds an index's element array held in memory.
const maxIndexElems = 1 << 22

func (d *Dataset) newIndex() (chunkIndex, error) {
	l := &d.lay
	what := "chunk index of " + d.name
	if l.addr == undef {
		return emptyIndex{}, nil
	}
	switch l.index {
	case idxBtreeV1:
		return &btreeV1Index{d: d, what: what}, nil
	case idxSingle:
		size := l.singleSize
		if l.flags&2 == 0 {
			size = uint64(d.chunkBytes)
		}
		return &singleIndex{ref: chunkRef{addr: l.addr, size: size, mask: l.singleMask}}, nil
	case idxImplicit:
		down, n := d.maxDown(-1)
		if n < 0 || uint64(n)*uint64(d.chunkBytes) > uint64(d.f.size) {
			return nil, corrupt(what, int64(l.addr), "%d implicit chunks of %d bytes do not fit the file", n, d.chunkBytes)
		}
		return &implicitIndex{d: d, down: down}, nil
	case idxFixed:
		return d.openFixedArray(what)
	case idxExtensive:
		return d.openExtensibleArray(what)
	case idxBtreeV2:
		t, err := d.f.openBtree2(l.addr, what)
		if err != nil {
			return nil, err
		}
		return &btreeV2Index{d: d, t: t}, nil
	}
	return nil, unsupported("%s: unsupported chunk index %d", d.name, l.index)
}

// maxDown returns the row-major strides of the chunk grid over the maximum
// dimensions (unlimited ones count as current size), with dimension unlim
// moved first when unlim > 0, and the number of chunks (-1 on overflow).
func (d *Dataset) maxDown(unlim int) ([]uint64, int64) {
	rank := len(d.chunk)
	grid := make([]uint64, rank)
	for i := 0; i < rank; i++ {
		m := d.info.MaxShape[i]
		if m < 0 || m < d.info.Shape[i] {
			m = d.info.Shape[i]
		}
		grid[i] = uint64((m + d.chunk[i] - 1) / d.chunk[i])
	}
	if unlim > 0 {
		u := grid[unlim]
		copy(grid[1:unlim+1], grid[:unlim])
		grid[0] = u
	}
	down := make([]uint64, rank)
	n := uint64(1)
	for i := rank - 1; i >= 0; i-- {
		down[i] = n
		if grid[i] != 0 && n > (1<<62)/grid[i] {
			return down, -1
		}
		n *= grid[i]
	}
	return down, int64(n)
}

// eachChunk calls fn for every scaled coordinate in the inclusive box.
func eachChunk(lo, hi []uint64, fn func(s []uint64) error) error {
	s := make([]uint64, len(lo))
	copy(s, lo)
	for {
		if err := fn(s); err != nil {
			return err
		}
		i := len(s) - 1
		for ; i >= 0; i-- {
			s[i]++
			if s[i] <= hi[i] {
				break
			}
			s[i] = lo[i]
		}
		if i < 0 {
			return nil
		}
	}
}

func linear(s, down []uint64) uint64 {
	var n uint64
	for i := range s {
		n += s[i] * down[i]
	}
	return n
}

type emptyIndex struct{}

func (emptyIndex) find([]uint64, []uint64, func([]uint64, chunkRef) error) error { return nil }

type singleIndex struct{ ref chunkRef }

func (x *singleIndex) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	for i := range lo {
		if lo[i] != 0 {
			return nil
		}
	}
	return fn(make([]uint64, len(lo)), x.ref)
}

type implicitIndex struct {
	d    *Dataset
	down []uint64
}

func (x *implicitIndex) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	cb := uint64(x.d.chunkBytes)
	return eachChunk(lo, hi, func(s []uint64) error {
		return fn(s, chunkRef{addr: x.d.lay.addr + linear(s, x.down)*cb, size: cb})
	})
}

// lexCmp compares two scaled coordinates lexicographically.
func lexCmp(a, b []uint64) int {
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

func inBox(s, lo, hi []uint64) bool {
	for i := range s {
		if s[i] < lo[i] || s[i] > hi[i] {
			return false
		}
	}
	return true
}

// btreeV1Index is the version 1 B-tree chunk index of layout version 3
// (h5py's default): keys hold chunk size, filter mask and element offsets.
type btreeV1Index struct {
	d    *Dataset
	what string
}

func (x *btreeV1Index) key(k []byte, s []uint64) (size uint64, mask uint32, err error) {
	size = uint64(binary.LittleEndian.Uint32(k))
	mask = binary.LittleEndian.Uint32(k[4:])
	for i := range s {
		off := binary.LittleEndian.Uint64(k[8+8*i:])
		c := uint64(x.d.chunk[i])
		if off%c != 0 {
			return 0, 0, corrupt(x.what, -1, "chunk offset %d not a multiple of chunk size %d", off, c)
		}
		s[i] = off / c
	}
	return size, mask, nil
}

func (x *btreeV1Index) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	rank := len(lo)
	a := make([]uint64, rank)
	b := make([]uint64, rank)
	var kerr error
	keep := func(klo, khi []byte) bool {
		if _, _, err := x.key(klo, a); err != nil {
			kerr = err
			return false
		}
		if _, _, err := x.key(khi, b); err != nil {
			kerr = err
			return false
		}
		return lexCmp(a, hi) <= 0 && lexCmp(b, lo) >= 0
	}
	s := make([]uint64, rank)
	err := x.d.f.btree1(x.d.lay.addr, 1, x.what, rank, keep, func(child uint64, klo, _ []byte) error {
		size, mask, err := x.key(klo, s)
		if err != nil {
			return err
		}
		if !inBox(s, lo, hi) {
			return nil
		}
		return fn(s, chunkRef{addr: child, size: size, mask: mask})
	})
	if err == nil {
		err = kerr
	}
	return err
}

// btreeV2Index is the version 2 B-tree chunk index (records of type 10,
// unfiltered, or 11, filtered).
type btreeV2Index struct {
	d *Dataset
	t *btree2
}

func (x *btreeV2Index) record(rec []byte, s []uint64) (chunkRef, error) {
	so := x.d.f.sizeOff
	rank := len(s)
	var c chunkRef
	r := &rd{b: rec, so: so, what: x.t.what}
	c.addr = r.addr()
	switch x.t.typ {
	case 10:
		c.size = uint64(x.d.chunkBytes)
	case 11:
		n := len(rec) - so - 4 - 8*rank
		if n < 1 || n > 8 {
			return c, corrupt(x.t.what, -1, "filtered chunk record of %d bytes for rank %d", len(rec), rank)
		}
		c.size = r.uN(n)
		c.mask = r.u32()
	default:
		return c, corrupt(x.t.what, -1, "v2 B-tree of record type %d as a chunk index", x.t.typ)
	}
	if r.left() != 8*rank {
		return c, corrupt(x.t.what, -1, "chunk record of %d bytes for rank %d", len(rec), rank)
	}
	for i := range s {
		s[i] = r.u64()
	}
	return c, r.err
}

func (x *btreeV2Index) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	rank := len(lo)
	s := make([]uint64, rank)
	b := make([]uint64, rank)
	var kerr error
	keep := func(lower, upper []byte) bool {
		if upper != nil {
			if _, err := x.record(upper, b); err != nil {
				kerr = err
				return false
			}
			if lexCmp(b, lo) < 0 {
				return false
			}
		}
		if lower != nil {
			if _, err := x.record(lower, b); err != nil {
				kerr = err
				return false
			}
			if lexCmp(b, hi) > 0 {
				return false
			}
		}
		return true
	}
	err := x.t.walk(func(rec []byte) error {
		c, err := x.record(rec, s)
		if err != nil {
			return err
		}
		if c.addr == undef || !inBox(s, lo, hi) {
			return nil
		}
		return fn(s, c)
	}, keep)
	if err == nil {
		err = kerr
	}
	return err
}

// elemDecoder decodes the elements of fixed and extensible arrays: an
// address, and for filtered chunks a size and a filter mask.
type elemDecoder struct {
	so       int
	esize    int
	filtered bool
	sizeLen  int
	unfilt   uint64
}

func newElemDecoder(d *Dataset, clientID uint8, esize int, what string) (elemDecoder, error) {
	e := elemDecoder{so: d.f.sizeOff, esize: esize, unfilt: uint64(d.chunkBytes)}
	switch clientID {
	case 0:
		if esize != e.so {
			return e, corrupt(what, -1, "unfiltered element of %d bytes", esize)
		}
	case 1:
		e.filtered = true
		e.sizeLen = esize - e.so - 4
		if e.sizeLen < 1 || e.sizeLen > 8 {
			return e, corrupt(what, -1, "filtered element of %d bytes", esize)
		}
	default:
		return e, corrupt(what, -1, "unknown client ID %d", clientID)
	}
	return e, nil
}

func (e elemDecoder) decode(b []byte) chunkRef {
	c := chunkRef{addr: addrOf(b[:e.so]), size: e.unfilt}
	if e.filtered {
		c.size = leUint(b[e.so : e.so+e.sizeLen])
		c.mask = binary.LittleEndian.Uint32(b[e.so+e.sizeLen:])
	}
	return c
}

// fixedArray is the fixed array chunk index of layout version 4, used for
// chunked datasets without unlimited dimensions.
type fixedArray struct {
	d     *Dataset
	what  string
	elem  elemDecoder
	nelm  uint64
	down  []uint64
	elems []byte // all elements, loaded on first use
	once  sync.Once
	err   error
	dblk  uint64
	pageN uint64 // elements per page; 0 when not paged
	pages uint64
}

func (d *Dataset) openFixedArray(what string) (chunkIndex, error) {
	so, sl := d.f.sizeOff, d.f.sizeLen
	b, off, err := d.f.readMeta(d.lay.addr, uint64(4+1+1+1+1+sl+so+4), what)
	if err != nil {
		return nil, err
	}
	r := d.f.newRd(b, off, what)
	r.sig("FAHD")
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, r.errorf("unknown fixed array version %d", v)
	}
	cid := r.u8()
	esize := int(r.u8())
	pageBits := r.u8()
	nelm := r.length()
	dblk := r.addr()
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	ed, err := newElemDecoder(d, cid, esize, what)
	if err != nil {
		return nil, err
	}
	down, n := d.maxDown(-1)
	if n < 0 || uint64(n) != nelm {
		return nil, corrupt(what, off, "fixed array of %d elements for %d chunks", nelm, n)
	}
	if pageBits > 32 {
		return nil, corrupt(what, off, "page bits %d", pageBits)
	}
	fa := &fixedArray{d: d, what: what, elem: ed, nelm: nelm, down: down, dblk: dblk}
	if nelm > 1<<pageBits {
		fa.pageN = 1 << pageBits
		fa.pages = (nelm + fa.pageN - 1) / fa.pageN
	}
	if nelm*uint64(esize) > uint64(d.f.size) {
		return nil, corrupt(what, off, "fixed array of %d elements cannot fit the file", nelm)
	}
	return fa, nil
}

// load reads the data block (and its pages), verifying checksums, and keeps
// the elements (those of uninitialised pages read as undefined addresses).
func (fa *fixedArray) load() {
	f := fa.d.f
	if fa.dblk == undef {
		return
	}
	es := uint64(fa.elem.esize)
	if fa.nelm > maxIndexElems {
		fa.err = unsupported("%s: fixed array of %d chunks exceeds %d", fa.d.name, fa.nelm, maxIndexElems)
		return
	}
	prefix := uint64(4 + 1 + 1 + f.sizeOff)
	if fa.pages == 0 {
		b, off, err := f.readMeta(fa.dblk, prefix+fa.nelm*es+4, fa.what)
		if err != nil {
			fa.err = err
			return
		}
		r := f.newRd(b, off, fa.what)
		r.sig("FADB")
		r.p = len(b) - 4
		r.checksum(0)
		if r.err != nil {
			fa.err = r.err
			return
		}
		fa.elems = b[prefix : len(b)-4]
		return
	}
	bitmap := (fa.pages + 7) / 8
	b, off, err := f.readMeta(fa.dblk, prefix+bitmap+4, fa.what)
	if err != nil {
		fa.err = err
		return
	}
	r := f.newRd(b, off, fa.what)
	r.sig("FADB")
	r.p = len(b) - 4
	r.checksum(0)
	if r.err != nil {
		fa.err = r.err
		return
	}
	bits := b[prefix : prefix+bitmap]
	fa.elems = make([]byte, fa.nelm*es)
	for i := range fa.elems {
		fa.elems[i] = 0xff
	}
	pageBytes := fa.pageN*es + 4
	at := fa.dblk + prefix + bitmap + 4
	for p := uint64(0); p < fa.pages; p++ {
		if bits[p/8]&(0x80>>(p%8)) == 0 {
			continue
		}
		n := min(fa.pageN, fa.nelm-p*fa.pageN)
		pb, poff, err := f.readMeta(at+p*pageBytes, n*es+4, fa.what+" page")
		if err != nil {
			fa.err = err
			return
		}
		pr := f.newRd(pb, poff, fa.what+" page")
		pr.p = len(pb) - 4
		pr.checksum(0)
		if pr.err != nil {
			fa.err = pr.err
			return
		}
		copy(fa.elems[p*fa.pageN*es:], pb[:n*es])
	}
}

func (fa *fixedArray) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	fa.once.Do(fa.load)
	if fa.err != nil {
		return fa.err
	}
	if fa.elems == nil {
		return nil
	}
	es := uint64(fa.elem.esize)
	return eachChunk(lo, hi, func(s []uint64) error {
		i := linear(s, fa.down)
		if i >= fa.nelm {
			return corrupt(fa.what, -1, "chunk %v outside the fixed array", s)
		}
		c := fa.elem.decode(fa.elems[i*es : (i+1)*es])
		if c.addr == undef || c.addr == 0 {
			return nil
		}
		return fn(s, c)
	})
}

// extArray is the extensible array chunk index of layout version 4, used
// for chunked datasets with one unlimited dimension.
type extArray struct {
	d        *Dataset
	what     string
	elem     elemDecoder
	down     []uint64
	unlim    int
	minElems uint64
	idxElems uint64
	arrOff   int
	pageBits uint8
	ielems   []byte   // elements held in the index block
	dblks    []uint64 // data block addresses held in the index block
	sblks    []uint64 // secondary block addresses
	isblks   int      // super blocks whose data blocks the index block lists
	sb       []sblkInfo

	mu    sync.Mutex
	sbMap map[uint64][]uint64 // secondary block address -> data block addresses
}

type sblkInfo struct {
	ndblks, dblkElems, startIdx, startDblk uint64
}

func (d *Dataset) openExtensibleArray(what string) (chunkIndex, error) {
	f := d.f
	so, sl := f.sizeOff, f.sizeLen
	b, off, err := f.readMeta(d.lay.addr, uint64(4+1+1+6+6*sl+so+4), what)
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, what)
	r.sig("EAHD")
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, r.errorf("unknown extensible array version %d", v)
	}
	cid := r.u8()
	esize := int(r.u8())
	maxBits := int(r.u8())
	idxElems := uint64(r.u8())
	minElems := uint64(r.u8())
	minPtrs := uint64(r.u8())
	pageBits := r.u8()
	for i := 0; i < 6; i++ {
		r.length()
	}
	iblk := r.addr()
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	if maxBits < 1 || maxBits > 64 || !pow2(minElems) || !pow2(minPtrs) || minPtrs < 2 || pageBits > 32 || log2(minElems) > maxBits {
		return nil, corrupt(what, off, "extensible array parameters: %d bits, %d min elements, %d min pointers", maxBits, minElems, minPtrs)
	}
	ed, err := newElemDecoder(d, cid, esize, what)
	if err != nil {
		return nil, err
	}
	unlim := -1
	for i, m := range d.info.MaxShape {
		if m < 0 {
			if unlim >= 0 {
				return nil, corrupt(what, off, "extensible array index for more than one unlimited dimension")
			}
			unlim = i
		}
	}
	if unlim < 0 {
		return nil, corrupt(what, off, "extensible array index without an unlimited dimension")
	}
	down, _ := d.maxDown(unlim)
	ea := &extArray{d: d, what: what, elem: ed, down: down, unlim: unlim, minElems: minElems,
		idxElems: idxElems, arrOff: (maxBits + 7) / 8, pageBits: pageBits, sbMap: map[uint64][]uint64{}}
	nsb := 1 + maxBits - log2(minElems)
	var startIdx, startDblk uint64
	for u := 0; u < nsb; u++ {
		s := sblkInfo{ndblks: 1 << (u / 2), dblkElems: (1 << ((u + 1) / 2)) * minElems, startIdx: startIdx, startDblk: startDblk}
		ea.sb = append(ea.sb, s)
		startIdx += s.ndblks * s.dblkElems
		startDblk += s.ndblks
	}
	ea.isblks = 2 * log2(minPtrs)
	ndblk := 2 * (minPtrs - 1)
	nsblk := max(nsb-ea.isblks, 0)
	if iblk == undef {
		return ea, nil
	}
	n := uint64(4+1+1+so) + idxElems*uint64(esize) + (ndblk+uint64(nsblk))*uint64(so) + 4
	ib, ioff, err := f.readMeta(iblk, n, what)
	if err != nil {
		return nil, err
	}
	r = f.newRd(ib, ioff, what)
	r.sig("EAIB")
	r.u8()
	r.u8()
	r.addr()
	ea.ielems = r.take(int(idxElems) * esize)
	for i := uint64(0); i < ndblk; i++ {
		ea.dblks = append(ea.dblks, r.addr())
	}
	for i := 0; i < nsblk; i++ {
		ea.sblks = append(ea.sblks, r.addr())
	}
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	return ea, nil
}

func (ea *extArray) find(lo, hi []uint64, fn func([]uint64, chunkRef) error) error {
	rank := len(lo)
	swz := make([]uint64, rank)
	return eachChunk(lo, hi, func(s []uint64) error {
		if ea.unlim > 0 {
			swz[0] = s[ea.unlim]
			copy(swz[1:ea.unlim+1], s[:ea.unlim])
			copy(swz[ea.unlim+1:], s[ea.unlim+1:])
		} else {
			copy(swz, s)
		}
		e, err := ea.element(linear(swz, ea.down))
		if err != nil {
			return err
		}
		if e == nil {
			return nil
		}
		c := ea.elem.decode(e)
		if c.addr == undef || c.addr == 0 {
			return nil
		}
		return fn(s, c)
	})
}

// element returns the raw element i, or nil when it was never allocated.
func (ea *extArray) element(i uint64) ([]byte, error) {
	es := uint64(ea.elem.esize)
	if ea.ielems == nil {
		return nil, nil
	}
	if i < ea.idxElems {
		return ea.ielems[i*es : (i+1)*es], nil
	}
	i -= ea.idxElems
	sbi := log2(i/ea.minElems + 1)
	if sbi >= len(ea.sb) {
		return nil, corrupt(ea.what, -1, "chunk %d beyond the extensible array", i+ea.idxElems)
	}
	s := ea.sb[sbi]
	rel := i - s.startIdx
	di := rel / s.dblkElems
	ei := rel % s.dblkElems
	if s.dblkElems > 1<<ea.pageBits {
		return nil, unsupported("%s: paged extensible array data blocks (%d elements) are not supported", ea.d.name, s.dblkElems)
	}
	var dblk uint64
	if sbi < ea.isblks {
		j := s.startDblk + di
		if j >= uint64(len(ea.dblks)) {
			return nil, corrupt(ea.what, -1, "data block %d beyond the index block", j)
		}
		dblk = ea.dblks[j]
	} else {
		j := sbi - ea.isblks
		if j >= len(ea.sblks) {
			return nil, corrupt(ea.what, -1, "super block %d beyond the index block", sbi)
		}
		if ea.sblks[j] == undef {
			return nil, nil
		}
		addrs, err := ea.secondary(ea.sblks[j], s.ndblks)
		if err != nil {
			return nil, err
		}
		dblk = addrs[di]
	}
	if dblk == undef {
		return nil, nil
	}
	f := ea.d.f
	prefix := uint64(4+1+1+f.sizeOff) + uint64(ea.arrOff)
	b, _, err := f.readMeta(dblk+prefix+ei*es, es, ea.what+" data block")
	return b, err
}

// secondary returns the data block addresses of the secondary block at a.
func (ea *extArray) secondary(a uint64, n uint64) ([]uint64, error) {
	ea.mu.Lock()
	defer ea.mu.Unlock()
	if v, ok := ea.sbMap[a]; ok {
		return v, nil
	}
	f := ea.d.f
	if n > maxIndexElems {
		return nil, corrupt(ea.what, int64(a), "secondary block of %d data blocks", n)
	}
	b, off, err := f.readMeta(a, uint64(4+1+1+f.sizeOff+ea.arrOff)+n*uint64(f.sizeOff)+4, ea.what+" secondary block")
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, ea.what+" secondary block")
	r.sig("EASB")
	r.u8()
	r.u8()
	r.addr()
	r.uN(ea.arrOff)
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.addr()
	}
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	if len(ea.sbMap) > 1024 {
		clear(ea.sbMap)
	}
	ea.sbMap[a] = out
	return out, nil
}

var _ = fmt.Sprint
