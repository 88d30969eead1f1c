package hdf5

import "fmt"

// btree2 is an open version 2 B-tree (File Format Specification 3.0,
// section III.A.2).
type btree2 struct {
	f        *File
	what     string
	typ      uint8
	nodeSize uint64
	recSize  int
	depth    int
	root     uint64
	rootN    int
	// per depth: maximum records in a node and the byte sizes of the child
	// record counts stored in internal nodes.
	maxRec     []uint64
	cumMaxRec  []uint64
	cumRecSize []int
	nrecSize   int
}

const btree2Prefix = 10 // signature, version, type, checksum

func (f *File) openBtree2(a uint64, what string) (*btree2, error) {
	b, off, err := f.readMeta(a, 4+1+1+4+2+2+1+1+uint64(f.sizeOff)+2+uint64(f.sizeLen)+4, what)
	if err != nil {
		return nil, err
	}
	r := f.newRd(b, off, what)
	r.sig("BTHD")
	if v := r.u8(); r.err == nil && v != 0 {
		return nil, r.errorf("unknown v2 B-tree version %d", v)
	}
	t := &btree2{f: f, what: what}
	t.typ = r.u8()
	t.nodeSize = uint64(r.u32())
	t.recSize = int(r.u16())
	t.depth = int(r.u16())
	r.skip(2)
	t.root = r.addr()
	t.rootN = int(r.u16())
	r.length()
	r.checksum(0)
	if r.err != nil {
		return nil, r.err
	}
	if t.nodeSize < 16 || t.nodeSize > maxMeta || t.recSize <= 0 || uint64(t.recSize) > t.nodeSize || t.depth > 32 {
		return nil, corrupt(what, off, "v2 B-tree node size %d, record size %d, depth %d", t.nodeSize, t.recSize, t.depth)
	}
	// Node capacities, as the library derives them from node and record size.
	t.maxRec = make([]uint64, t.depth+1)
	t.cumMaxRec = make([]uint64, t.depth+1)
	t.cumRecSize = make([]int, t.depth+1)
	t.maxRec[0] = (t.nodeSize - btree2Prefix) / uint64(t.recSize)
	t.cumMaxRec[0] = t.maxRec[0]
	t.nrecSize = log2(t.maxRec[0])/8 + 1
	for d := 1; d <= t.depth; d++ {
		ptr := uint64(f.sizeOff + t.nrecSize)
		if d > 1 {
			ptr += uint64(t.cumRecSize[d-1])
		}
		if t.nodeSize < btree2Prefix+ptr {
			return nil, corrupt(what, off, "v2 B-tree node size %d too small for depth %d", t.nodeSize, t.depth)
		}
		t.maxRec[d] = (t.nodeSize - btree2Prefix - ptr) / (uint64(t.recSize) + ptr)
		t.cumMaxRec[d] = (t.maxRec[d]+1)*t.cumMaxRec[d-1] + t.maxRec[d]
		t.cumRecSize[d] = log2(t.cumMaxRec[d])/8 + 1
	}
	return t, nil
}

// walk calls fn for every record in key order. keep, when not nil, is asked
// whether a subtree whose records lie strictly between lower and upper (nil
// meaning unbounded) may hold records of interest; subtrees it rejects are
// not read.
func (t *btree2) walk(fn func(rec []byte) error, keep func(lower, upper []byte) bool) error {
	if t.root == undef || t.rootN == 0 {
		return nil
	}
	budget := 1 << 20 // nodes visited, a guard against cycles in corrupt files
	return t.node(t.root, t.rootN, t.depth, fn, keep, &budget)
}

func (t *btree2) node(a uint64, n, depth int, fn func([]byte) error, keep func(lower, upper []byte) bool, budget *int) error {
	*budget--
	if *budget < 0 {
		return corrupt(t.what, int64(a), "v2 B-tree has too many nodes (cycle?)")
	}
	if uint64(n) > t.maxRec[depth] {
		return corrupt(t.what, int64(a), "v2 B-tree node holds %d records, at most %d fit", n, t.maxRec[depth])
	}
	b, off, err := t.f.readMeta(a, t.nodeSize, t.what)
	if err != nil {
		return err
	}
	r := t.f.newRd(b, off, t.what)
	want := "BTLF"
	if depth > 0 {
		want = "BTIN"
	}
	r.sig(want)
	r.u8()
	if typ := r.u8(); r.err == nil && typ != t.typ {
		return r.errorf("v2 B-tree node of type %d in a tree of type %d", typ, t.typ)
	}
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = r.take(t.recSize)
	}
	if depth == 0 {
		r.checksum(0)
		if r.err != nil {
			return r.err
		}
		for _, rec := range recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	}
	type child struct {
		addr uint64
		n    int
	}
	kids := make([]child, n+1)
	for i := range kids {
		kids[i].addr = r.addr()
		kids[i].n = int(r.uN(t.nrecSize))
		if depth > 1 {
			r.uN(t.cumRecSize[depth-1])
		}
	}
	r.checksum(0)
	if r.err != nil {
		return r.err
	}
	for i, k := range kids {
		var lower, upper []byte
		if i > 0 {
			lower = recs[i-1]
		}
		if i < n {
			upper = recs[i]
		}
		if keep == nil || keep(lower, upper) {
			if k.addr == undef {
				return corrupt(t.what, off, "v2 B-tree child %d has an undefined address", i)
			}
			if err := t.node(k.addr, k.n, depth-1, fn, keep, budget); err != nil {
				return err
			}
		}
		if i < n {
			if err := fn(recs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *btree2) String() string { return fmt.Sprintf("v2 B-tree type %d", t.typ) }
