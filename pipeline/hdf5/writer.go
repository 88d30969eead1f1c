package hdf5

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// PartialPattern is the os.CreateTemp pattern of the temporary file Create
// writes next to the destination: a dot, the destination's base name, then
// ".partial-" and a random suffix. A crash can leave such files behind.
const PartialPattern = ".%s.partial-*"

// Group B-tree parameters the writer uses: HDF5's defaults (symbol table
// nodes of up to 8 entries, B-tree nodes of up to 32 children).
const (
	writerLeafK     = 4
	writerInternalK = 16
)

// Writer writes a new HDF5 file: superblock version 0, old-style groups
// (symbol tables) and version 1 object headers, the most widely readable
// form (HDF5 1.8 and later, h5py, this package), with contiguous,
// little-endian datasets. Dataset data regions are laid out when the dataset
// is created and written in place by WriteBlock; Close writes all metadata
// after them and renames the temporary file into place.
//
// CreateDataset, WriteBlock and the DatasetWriter methods are safe for
// concurrent use; Close and Abort wait for WriteBlock calls in progress and
// make later calls fail with ErrClosed.
type Writer struct {
	path string
	tmp  string

	mu     sync.RWMutex // write-locked by Close/Abort, read-locked by writes
	f      *os.File     // nil once closed or aborted
	meta   sync.Mutex   // guards root, end, order
	root   *wgroup
	end    int64
	nds    int
	closed bool
}

type wgroup struct {
	groups   map[string]*wgroup
	datasets map[string]*DatasetWriter
}

func newGroup() *wgroup {
	return &wgroup{groups: map[string]*wgroup{}, datasets: map[string]*DatasetWriter{}}
}

// DatasetWriter writes the elements of one dataset of a Writer.
type DatasetWriter struct {
	w     *Writer
	path  string
	dtype DType
	shape []int64
	addr  int64 // absolute offset of the data; -1 for an empty dataset
	size  int64
}

// superblockSize is the size of a version 0 superblock with 8-byte offsets
// and lengths, including the root group's symbol table entry.
const superblockSize = 96

// Create starts a new HDF5 file at path. It writes into a temporary file in
// the same directory (see PartialPattern); Close finishes the file and
// renames it over path, Abort removes it. Errors name the path.
func Create(path string) (*Writer, error) {
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("hdf5: create %s: destination is a directory", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("hdf5: create %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, fmt.Sprintf(PartialPattern, base))
	if err != nil {
		return nil, fmt.Errorf("hdf5: create %s: %w", path, err)
	}
	w := &Writer{path: path, tmp: f.Name(), f: f, root: newGroup(), end: superblockSize}
	if err := f.Truncate(superblockSize); err != nil {
		_ = f.Close()
		_ = os.Remove(w.tmp)
		return nil, fmt.Errorf("hdf5: create %s: %w", path, err)
	}
	return w, nil
}

// Path returns the destination path.
func (w *Writer) Path() string { return w.path }

// TempPath returns the temporary file written until Close.
func (w *Writer) TempPath() string { return w.tmp }

// splitPath validates a dataset or group path and returns its components.
func splitPath(p string) ([]string, error) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) == 1 && parts[0] == "" {
		return nil, fmt.Errorf("empty path %q", p)
	}
	for _, c := range parts {
		if c == "" || c == "." || c == ".." || strings.ContainsRune(c, 0) {
			return nil, fmt.Errorf("invalid path %q (empty, '.', '..' or NUL component)", p)
		}
	}
	return parts, nil
}

// CreateDataset adds a contiguous dataset of the given element type and shape
// (empty for a scalar; zero dimensions make an empty dataset) at path,
// creating intermediate groups. Its data region is reserved at once (sparse
// where the file system allows) and reads as zeros until written. It is an
// error if path or one of its groups already exists as the other kind, or if
// the dataset exists. Safe for concurrent use.
func (w *Writer) CreateDataset(path string, dtype DType, shape []int64) (*DatasetWriter, error) {
	dw, err := w.createDataset(path, dtype, shape)
	if err != nil {
		return nil, fmt.Errorf("hdf5: create dataset %s in %s: %w", path, w.path, err)
	}
	return dw, nil
}

func (w *Writer) createDataset(path string, dtype DType, shape []int64) (*DatasetWriter, error) {
	parts, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if !dtype.Valid() {
		return nil, fmt.Errorf("invalid element type %v", dtype)
	}
	if len(shape) > MaxRank {
		return nil, fmt.Errorf("rank %d exceeds %d", len(shape), MaxRank)
	}
	n := elements(shape)
	if n < 0 || n > math.MaxInt64/16/int64(dtype.Size()) {
		return nil, fmt.Errorf("shape %v is negative or too large", shape)
	}
	size := n * int64(dtype.Size())
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.f == nil {
		return nil, errorf(ErrClosed, "writer already closed")
	}
	w.meta.Lock()
	defer w.meta.Unlock()
	g := w.root
	for i, c := range parts[:len(parts)-1] {
		if _, ok := g.datasets[c]; ok {
			return nil, fmt.Errorf("/%s is a dataset, not a group", strings.Join(parts[:i+1], "/"))
		}
		sub := g.groups[c]
		if sub == nil {
			sub = newGroup()
			g.groups[c] = sub
		}
		g = sub
	}
	last := parts[len(parts)-1]
	if _, ok := g.groups[last]; ok {
		return nil, errors.New("a group of that name exists")
	}
	if _, ok := g.datasets[last]; ok {
		return nil, errors.New("the dataset exists")
	}
	dw := &DatasetWriter{w: w, path: "/" + strings.Join(parts, "/"), dtype: dtype, shape: slices.Clone(shape), addr: -1, size: size}
	if size > 0 {
		dw.addr = (w.end + 7) &^ 7
		if err := w.f.Truncate(dw.addr + size); err != nil {
			return nil, err
		}
		w.end = dw.addr + size
	}
	g.datasets[last] = dw
	w.nds++
	return dw, nil
}

// Path returns the dataset's absolute path.
func (dw *DatasetWriter) Path() string { return dw.path }

// DType returns the element type.
func (dw *DatasetWriter) DType() DType { return dw.dtype }

// Shape returns a copy of the shape.
func (dw *DatasetWriter) Shape() []int64 { return slices.Clone(dw.shape) }

// WriteBlock writes the row-major box at starts with counts elements per
// dimension from src, little-endian element bytes in the box's row-major
// order (len(src) = product(counts) × element size), one WriteAt per
// contiguous run. Blocks may come in any order and from several goroutines;
// overlapping writes leave one of them per byte. Errors name the file and
// dataset and match ErrBlock or ErrClosed.
func (dw *DatasetWriter) WriteBlock(starts, counts []int64, src []byte) error {
	if err := dw.writeBlock(starts, counts, src); err != nil {
		return fmt.Errorf("hdf5: write %s in %s: %w", dw.path, dw.w.path, err)
	}
	return nil
}

func (dw *DatasetWriter) writeBlock(starts, counts []int64, src []byte) error {
	n, err := checkBox(dw.shape, starts, counts)
	if err != nil {
		return err
	}
	es := int64(dw.dtype.Size())
	if int64(len(src)) != n*es {
		return errorf(ErrBlock, "block counts %v of %v needs a %d-byte buffer, got %d", counts, dw.dtype, n*es, len(src))
	}
	w := dw.w
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.f == nil {
		return errorf(ErrClosed, "writer already closed")
	}
	if n == 0 {
		return nil
	}
	return boxRuns(dw.shape, starts, counts, make([]int64, len(counts)), counts, func(soff, doff, m int64) error {
		_, err := w.f.WriteAt(src[doff*es:(doff+m)*es], dw.addr+soff*es)
		return err
	})
}

// Close writes the file's metadata (groups, dataset headers, superblock),
// syncs the file and renames it over the destination. On error the
// temporary file is removed and the destination left as it was. Close waits
// for WriteBlock calls in progress; calls after the first return nil (or
// ErrClosed after Abort).
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		if w.closed {
			return nil
		}
		return errorf(ErrClosed, "hdf5: close %s: writer was aborted", w.path)
	}
	f := w.f
	w.f = nil
	w.closed = true
	err := w.finish(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.tmp, w.path)
	}
	if err != nil {
		_ = os.Remove(w.tmp)
		return fmt.Errorf("hdf5: close %s: %w", w.path, err)
	}
	syncDir(filepath.Dir(w.path))
	return nil
}

// Abort discards the file: the temporary file is removed and the
// destination left as it was. It waits for WriteBlock calls in progress and
// is idempotent; after Close it does nothing.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	_ = w.f.Close()
	w.f = nil
	if err := os.Remove(w.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("hdf5: abort %s: %w", w.path, err)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

func (w *Writer) finish(f *os.File) error {
	m := &metaBuf{base: (w.end + 7) &^ 7}
	rootHdr, rootBT, rootHeap := m.group(w.root)
	eof := m.end
	sb := make([]byte, superblockSize)
	copy(sb, signature)
	sb[13], sb[14] = 8, 8 // size of offsets and lengths (bytes 8..12: versions, reserved)
	le := binary.LittleEndian
	le.PutUint16(sb[16:], writerLeafK)
	le.PutUint16(sb[18:], writerInternalK)
	le.PutUint64(sb[24:], 0)     // base address
	le.PutUint64(sb[32:], undef) // free-space info
	le.PutUint64(sb[40:], uint64(eof))
	le.PutUint64(sb[48:], undef) // driver info
	putEntry(sb[56:], 0, rootHdr, rootBT, rootHeap, true)
	if _, err := f.WriteAt(m.bytes(), m.base); err != nil {
		return err
	}
	if _, err := f.WriteAt(sb, 0); err != nil {
		return err
	}
	if err := f.Truncate(eof); err != nil {
		return err
	}
	return f.Sync()
}

// metaBuf accumulates the metadata written after the data regions, as
// pieces at increasing addresses.
type metaBuf struct {
	base   int64
	end    int64
	pieces []metaPiece
}

type metaPiece struct {
	at   int64
	data []byte
}

// alloc reserves n zeroed bytes at the next 8-byte aligned address and
// returns the address and the space; the space stays valid.
func (m *metaBuf) alloc(n int) (uint64, []byte) {
	if m.end < m.base {
		m.end = m.base
	}
	at := (m.end + 7) &^ 7
	b := make([]byte, n)
	m.pieces = append(m.pieces, metaPiece{at, b})
	m.end = at + int64(n)
	return uint64(at), b
}

// bytes returns the metadata region from base to end.
func (m *metaBuf) bytes() []byte {
	out := make([]byte, max(m.end-m.base, 0))
	for _, p := range m.pieces {
		copy(out[p.at-m.base:], p.data)
	}
	return out
}

// putEntry encodes a symbol table entry (40 bytes).
func putEntry(b []byte, nameOff, hdr, btree, heap uint64, group bool) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], nameOff)
	le.PutUint64(b[8:], hdr)
	if group {
		le.PutUint32(b[16:], 1)
		le.PutUint64(b[24:], btree)
		le.PutUint64(b[32:], heap)
	}
}

type hdrMsg struct {
	typ   uint16
	flags uint8
	data  []byte
}

// objectHeader writes a version 1 object header with the messages.
func (m *metaBuf) objectHeader(msgs []hdrMsg) uint64 {
	size := 0
	for _, h := range msgs {
		size += 8 + (len(h.data)+7)&^7
	}
	a, b := m.alloc(16 + size)
	le := binary.LittleEndian
	b[0] = 1
	le.PutUint16(b[2:], uint16(len(msgs)))
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], uint32(size))
	p := 16
	for _, h := range msgs {
		n := (len(h.data) + 7) &^ 7
		le.PutUint16(b[p:], h.typ)
		le.PutUint16(b[p+2:], uint16(n))
		b[p+4] = h.flags
		copy(b[p+8:], h.data)
		p += 8 + n
	}
	return a
}

// group writes a group and everything below it, returning the addresses of
// its object header, B-tree and local heap.
func (m *metaBuf) group(g *wgroup) (hdr, btree, heap uint64) {
	type entry struct {
		name        string
		hdr, bt, hp uint64
		group       bool
		nameOff     uint64
	}
	// Children in name order, so the same tree always gives the same bytes.
	var entries []entry
	for _, name := range slices.Sorted(maps.Keys(g.groups)) {
		h, b, p := m.group(g.groups[name])
		entries = append(entries, entry{name: name, hdr: h, bt: b, hp: p, group: true})
	}
	for _, name := range slices.Sorted(maps.Keys(g.datasets)) {
		entries = append(entries, entry{name: name, hdr: m.dataset(g.datasets[name])})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })

	// Local heap: the empty string at offset 0, then every name.
	seg := make([]byte, 8)
	for i := range entries {
		entries[i].nameOff = uint64(len(seg))
		seg = append(seg, entries[i].name...)
		seg = append(seg, 0)
		for len(seg)%8 != 0 {
			seg = append(seg, 0)
		}
	}
	heap, hb := m.alloc(32)
	segAddr, sb := m.alloc(len(seg))
	copy(sb, seg)
	le := binary.LittleEndian
	copy(hb, "HEAP")
	le.PutUint64(hb[8:], uint64(len(seg)))
	le.PutUint64(hb[16:], 1) // no free block (H5HL_FREE_NULL)
	le.PutUint64(hb[24:], segAddr)

	// Symbol table nodes of up to 2K entries; keys[i] bounds node i below.
	const perNode = 2 * writerLeafK
	var kids []uint64
	keys := []uint64{0}
	for i := 0; i < len(entries) || (i == 0 && len(entries) == 0); i += perNode {
		part := entries[i:min(i+perNode, len(entries))]
		a, b := m.alloc(8 + perNode*40)
		copy(b, "SNOD")
		b[4] = 1
		le.PutUint16(b[6:], uint16(len(part)))
		for j, e := range part {
			putEntry(b[8+40*j:], e.nameOff, e.hdr, e.bt, e.hp, e.group)
		}
		kids = append(kids, a)
		if len(part) > 0 {
			keys = append(keys, part[len(part)-1].nameOff)
		} else {
			keys = append(keys, 0)
		}
		if len(entries) == 0 {
			break
		}
	}
	// B-tree levels, bottom up, until one node remains.
	const fan = 2 * writerInternalK
	nodeSize := 24 + (fan+1)*8 + fan*8
	for level := 0; ; level++ {
		nn := (len(kids) + fan - 1) / fan
		addrs := make([]uint64, nn)
		bufs := make([][]byte, nn)
		for i := range addrs {
			addrs[i], bufs[i] = m.alloc(nodeSize)
		}
		var upKeys []uint64
		upKeys = append(upKeys, keys[0])
		for i := 0; i < nn; i++ {
			lo, hi := i*fan, min((i+1)*fan, len(kids))
			b := bufs[i]
			copy(b, "TREE")
			b[4] = 0
			b[5] = byte(level)
			le.PutUint16(b[6:], uint16(hi-lo))
			left, right := undef, undef
			if i > 0 {
				left = addrs[i-1]
			}
			if i+1 < nn {
				right = addrs[i+1]
			}
			le.PutUint64(b[8:], left)
			le.PutUint64(b[16:], right)
			p := 24
			for j := lo; j < hi; j++ {
				le.PutUint64(b[p:], keys[j])
				le.PutUint64(b[p+8:], kids[j])
				p += 16
			}
			le.PutUint64(b[p:], keys[hi])
			upKeys = append(upKeys, keys[hi])
		}
		if nn == 1 {
			btree = addrs[0]
			break
		}
		kids, keys = addrs, upKeys
	}
	st := make([]byte, 16)
	le.PutUint64(st, btree)
	le.PutUint64(st[8:], heap)
	hdr = m.objectHeader([]hdrMsg{{typ: msgSymbolTable, data: st}})
	return hdr, btree, heap
}

// dataset writes a dataset's object header.
func (m *metaBuf) dataset(ds *DatasetWriter) uint64 {
	le := binary.LittleEndian
	rank := len(ds.shape)
	space := make([]byte, 8+16*rank)
	space[0], space[1], space[2] = 1, byte(rank), 1
	for i, d := range ds.shape {
		le.PutUint64(space[8+8*i:], uint64(d))
		le.PutUint64(space[8+8*(rank+i):], uint64(d))
	}
	es := ds.dtype.Size()
	fill := make([]byte, 8+es)
	fill[0], fill[1], fill[2], fill[3] = 2, 1, 2, 1 // v2, early allocation, fill if set, defined
	le.PutUint32(fill[4:], uint32(es))
	lay := make([]byte, 18)
	lay[0], lay[1] = 3, layoutContiguous
	addr := undef
	if ds.addr >= 0 {
		addr = uint64(ds.addr)
	}
	le.PutUint64(lay[2:], addr)
	le.PutUint64(lay[10:], uint64(ds.size))
	return m.objectHeader([]hdrMsg{
		{typ: msgDataspace, data: space},
		{typ: msgDatatype, flags: 1, data: encodeDatatype(ds.dtype)},
		{typ: msgFill, flags: 1, data: fill},
		{typ: msgLayout, data: lay},
	})
}

// encodeDatatype returns the datatype message of a little-endian d; bool is
// h5py's enum of int8 {FALSE: 0, TRUE: 1}.
func encodeDatatype(d DType) []byte {
	le := binary.LittleEndian
	es := d.Size()
	switch d {
	case Float32, Float64:
		b := make([]byte, 20)
		b[0] = 0x11
		b[1] = 0x20 // implied mantissa msb
		b[2] = byte(8*es - 1)
		le.PutUint32(b[4:], uint32(es))
		le.PutUint16(b[10:], uint16(8*es))
		if d == Float32 {
			b[12], b[13], b[14], b[15] = 23, 8, 0, 23
			le.PutUint32(b[16:], 127)
		} else {
			b[12], b[13], b[14], b[15] = 52, 11, 0, 52
			le.PutUint32(b[16:], 1023)
		}
		return b
	case Bool:
		b := []byte{0x18, 2, 0, 0, 1, 0, 0, 0}
		b = append(b, encodeDatatype(Int8)...)
		b = append(b, "FALSE\x00\x00\x00TRUE\x00\x00\x00\x00"...)
		return append(b, 0, 1)
	}
	b := make([]byte, 12)
	b[0] = 0x10
	switch d {
	case Int8, Int16, Int32, Int64:
		b[1] = 0x08
	}
	le.PutUint32(b[4:], uint32(es))
	le.PutUint16(b[10:], uint16(8*es))
	return b
}
