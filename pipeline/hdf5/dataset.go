package hdf5

import (
	"fmt"
	"slices"
)

// Layout names how a dataset's elements are stored.
type Layout string

// The storage layouts this package reads.
const (
	// Contiguous data is one run of bytes in the file.
	Contiguous Layout = "contiguous"
	// Compact data is stored inside the object header.
	Compact Layout = "compact"
	// Chunked data is stored as fixed-size chunks found through an index,
	// possibly compressed.
	Chunked Layout = "chunked"
)

// maxChunkBytes bounds the decoded size of one chunk (HDF5 itself limits
// chunks to 4 GiB; real files use far smaller ones).
const maxChunkBytes = 1 << 30

// Info describes a dataset.
type Info struct {
	// DType is the element type.
	DType DType
	// Order is the byte order of the elements in the file (ReadBlock always
	// returns little-endian bytes). One-byte types report LittleEndian.
	Order ByteOrder
	// Shape lists the current dimensions, outermost first; empty for a
	// scalar (0-D) dataset.
	Shape []int64
	// MaxShape lists the maximum dimensions; -1 means unlimited.
	MaxShape []int64
	// Layout is Contiguous, Compact or Chunked.
	Layout Layout
	// ChunkShape is the chunk dimensions of a chunked dataset, else nil.
	ChunkShape []int64
	// ChunkIndex names the chunk index of a chunked dataset: "btree-v1",
	// "single", "implicit", "fixed-array", "extensible-array" or
	// "btree-v2"; "" otherwise.
	ChunkIndex string
	// Filters is the filter pipeline in the order it was applied when
	// writing; empty when there is none.
	Filters []Filter
	// FillValue is the element value that unwritten parts read as, as
	// little-endian bytes; nil when the file defines none (they read as 0).
	FillValue []byte
}

// Elements returns the number of elements (product of Shape, 1 for a
// scalar).
func (i Info) Elements() int64 { return elements(i.Shape) }

func (i Info) clone() Info {
	i.Shape = slices.Clone(i.Shape)
	i.MaxShape = slices.Clone(i.MaxShape)
	i.ChunkShape = slices.Clone(i.ChunkShape)
	i.Filters = slices.Clone(i.Filters)
	i.FillValue = slices.Clone(i.FillValue)
	return i
}

// Dataset is an open dataset of a File. It holds only its description; data
// is read on demand by ReadBlock. Its methods are safe for concurrent use.
type Dataset struct {
	f     *File
	name  string
	addr  uint64
	info  Info
	esize int
	swap  bool

	lay        layout
	filters    []Filter
	chunk      []int64
	chunkBytes int64
	idx        chunkIndex
	fill       []byte
	attrs      *object
}

// Dataset opens the dataset at path ("/RESQML/<uuid>/points_patch0"; the
// leading slash is optional), following soft links. Errors name the file and
// the path and match ErrNotFound (no such object, or a group), ErrUnsupported
// (external link, virtual dataset, string or compound type, unsupported
// filter or chunk index, external storage) or ErrInvalid (corrupt metadata),
// or ErrClosed.
func (f *File) Dataset(path string) (*Dataset, error) {
	if err := f.rlock(); err != nil {
		return nil, err
	}
	defer f.mu.RUnlock()
	o, _, err := f.resolve(path)
	if err == nil {
		var d *Dataset
		if d, err = f.openDataset(o, cleanPath(path)); err == nil {
			return d, nil
		}
	}
	return nil, fmt.Errorf("hdf5: %s: dataset %s: %w", f.path, cleanPath(path), err)
}

func cleanPath(p string) string {
	if len(p) == 0 || p[0] != '/' {
		return "/" + p
	}
	return p
}

func (f *File) openDataset(o *object, name string) (*Dataset, error) {
	lm := o.find(msgLayout)
	if lm == nil {
		if isGroup(o) {
			return nil, errorf(ErrNotFound, "%s is a group, not a dataset", name)
		}
		return nil, errorf(ErrNotFound, "%s is not a dataset (a committed datatype?)", name)
	}
	d := &Dataset{f: f, name: name, addr: o.addr, attrs: o}
	if o.find(msgExternal) != nil {
		return nil, unsupported("%s stores its data in external files: not supported", name)
	}
	sm, tm := o.find(msgDataspace), o.find(msgDatatype)
	if sm == nil || tm == nil {
		return nil, corrupt("object header of "+name, int64(o.addr), "dataset without dataspace or datatype message")
	}
	if sm.flags&2 != 0 {
		return nil, unsupported("%s has a shared dataspace: not supported", name)
	}
	space, err := f.parseDataspace(sm, name)
	if err != nil {
		return nil, err
	}
	if space.null {
		return nil, unsupported("%s has a null dataspace (no elements, no shape)", name)
	}
	if tm.flags&2 != 0 {
		return nil, unsupported("%s uses a committed (shared) datatype: not supported", name)
	}
	dt, _, err := f.parseDatatype(tm.data, tm.at, name, 0)
	if err != nil {
		return nil, err
	}
	if dt.dtype == 0 {
		return nil, unsupported("%s has a %s: only integer, floating-point and boolean datasets are supported", name, dt.reason)
	}
	d.esize = dt.dtype.Size()
	d.swap = dt.order == BigEndian && d.esize > 1
	d.info = Info{DType: dt.dtype, Order: dt.order, Shape: space.dims, MaxShape: space.max}
	n := elements(space.dims)
	if n < 0 || n > (1<<62)/int64(d.esize) {
		return nil, corrupt("dataspace of "+name, sm.at, "shape %v overflows", space.dims)
	}
	if fm := o.find(msgFill); fm != nil {
		if d.fill, err = f.parseFill(fm, name); err != nil {
			return nil, err
		}
	} else if fm := o.find(msgFillOld); fm != nil {
		if d.fill, err = f.parseFill(fm, name); err != nil {
			return nil, err
		}
	}
	if d.fill != nil {
		if len(d.fill) != d.esize {
			return nil, corrupt("fill value of "+name, -1, "%d bytes for %d-byte elements", len(d.fill), d.esize)
		}
		d.fill = slices.Clone(d.fill)
		if d.swap {
			swapBytes(d.fill, d.esize)
		}
		d.info.FillValue = d.fill
	}
	if pm := o.find(msgFilters); pm != nil {
		if d.filters, err = f.parseFilters(pm, name); err != nil {
			return nil, err
		}
		for _, fl := range d.filters {
			if !supportedFilter(fl.ID) {
				return nil, unsupported("%s uses filter %d (%s): only deflate, shuffle and fletcher32 are supported", name, fl.ID, fl.Name)
			}
		}
		d.info.Filters = d.filters
	}
	if d.lay, err = f.parseLayout(lm, name); err != nil {
		return nil, err
	}
	size := n * int64(d.esize)
	switch d.lay.class {
	case layoutCompact:
		d.info.Layout = Compact
		if int64(len(d.lay.compact)) < size {
			return nil, corrupt("layout of "+name, lm.at, "compact data of %d bytes, shape %v needs %d", len(d.lay.compact), space.dims, size)
		}
	case layoutContiguous:
		d.info.Layout = Contiguous
		if d.lay.addr != undef && size > 0 {
			start, err := f.abs(d.lay.addr, "data of "+name)
			if err != nil {
				return nil, err
			}
			if d.lay.size < uint64(size) || start+size > f.size {
				return nil, corrupt("data of "+name, start, "contiguous storage of %d bytes (file size %d), shape %v needs %d", d.lay.size, f.size, space.dims, size)
			}
		}
	case layoutChunked:
		d.info.Layout = Chunked
		if err := d.openChunked(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Dataset) openChunked() error {
	l := &d.lay
	rank := len(d.info.Shape)
	if len(l.chunk) != rank || rank == 0 {
		return corrupt("layout of "+d.name, -1, "chunk rank %d for a rank-%d dataset", len(l.chunk), rank)
	}
	if l.elem != 0 && l.elem != uint64(d.esize) && l.index == idxBtreeV1 {
		return corrupt("layout of "+d.name, -1, "chunk element size %d for %d-byte elements", l.elem, d.esize)
	}
	d.chunk = make([]int64, rank)
	cb := int64(d.esize)
	for i := 0; i < rank; i++ {
		c := l.chunk[i]
		if c > maxChunkBytes {
			return unsupported("%s: chunk dimension %d too large", d.name, c)
		}
		d.chunk[i] = int64(c)
		cb *= int64(c)
		if cb > maxChunkBytes {
			return unsupported("%s: chunks of %v elements exceed %d bytes", d.name, l.chunk, maxChunkBytes)
		}
	}
	d.chunkBytes = cb
	d.info.ChunkShape = slices.Clone(d.chunk)
	d.info.ChunkIndex = indexNames[l.index]
	idx, err := d.newIndex()
	if err != nil {
		return err
	}
	d.idx = idx
	return nil
}

// Info returns the dataset's description (a copy the caller may keep).
func (d *Dataset) Info() Info { return d.info.clone() }

// Path returns the path the dataset was opened with.
func (d *Dataset) Path() string { return d.name }

// ReadBlock reads the row-major sub-box of the dataset that starts at starts
// and spans counts elements per dimension into dst, as little-endian element
// bytes in the box's row-major order (big-endian files are swapped). len(dst)
// must be product(counts) × element size; a scalar dataset takes empty
// starts and counts. Only the chunks the box touches are read and decoded;
// decoded chunks are kept in the File's small LRU cache (4 MiB). Parts never
// written read as the fill value (or zero). Errors name the file and the
// dataset and match ErrBlock, ErrInvalid, ErrUnsupported or ErrClosed. Safe
// for concurrent use.
func (d *Dataset) ReadBlock(starts, counts []int64, dst []byte) error {
	if err := d.readBlock(starts, counts, dst); err != nil {
		return fmt.Errorf("hdf5: %s: read %s: %w", d.f.path, d.name, err)
	}
	return nil
}

func (d *Dataset) readBlock(starts, counts []int64, dst []byte) error {
	n, err := checkBox(d.info.Shape, starts, counts)
	if err != nil {
		return err
	}
	es := int64(d.esize)
	if int64(len(dst)) != n*es {
		return errorf(ErrBlock, "block counts %v of %v needs a %d-byte buffer, got %d", counts, d.info.DType, n*es, len(dst))
	}
	if err := d.f.rlock(); err != nil {
		return err
	}
	defer d.f.mu.RUnlock()
	if n == 0 {
		return nil
	}
	switch d.lay.class {
	case layoutCompact:
		zero := make([]int64, len(counts))
		copyBox(dst, counts, zero, d.lay.compact, d.info.Shape, starts, counts, es)
		if d.swap {
			swapBytes(dst, d.esize)
		}
		return nil
	case layoutContiguous:
		if d.lay.addr == undef {
			fillBytes(dst, d.fill)
			return nil
		}
		base, err := d.f.abs(d.lay.addr, "data of "+d.name)
		if err != nil {
			return err
		}
		err = d.readContiguous(base, starts, counts, n, dst)
		if err != nil {
			return err
		}
		if d.swap {
			swapBytes(dst, d.esize)
		}
		return nil
	}
	return d.readChunked(starts, counts, dst)
}

// Gathering limits for contiguous reads: a box whose file span is at most
// gatherRatio times its size and at most gatherMax bytes is read with one
// ReadAt into a scratch buffer and picked apart in memory, instead of one
// ReadAt per run (a column of a matrix would otherwise be a read per
// element).
const (
	gatherRatio = 4
	gatherMax   = 4 << 20
)

func (d *Dataset) readContiguous(base int64, starts, counts []int64, n int64, dst []byte) error {
	es := int64(d.esize)
	zero := make([]int64, len(counts))
	what := "data of " + d.name
	var first, last int64
	var strides [MaxRank]int64
	s := int64(1)
	for i := len(d.info.Shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= d.info.Shape[i]
	}
	for i := range starts {
		first += starts[i] * strides[i]
		last += (starts[i] + counts[i] - 1) * strides[i]
	}
	span := (last - first + 1) * es
	runs := int64(0)
	_ = boxRuns(d.info.Shape, starts, counts, zero, counts, func(_, _, _ int64) error { runs++; return nil })
	if runs > 1 && span <= gatherRatio*n*es && span <= gatherMax {
		scratch := make([]byte, span)
		if err := d.f.readInto(scratch, base+first*es, what); err != nil {
			return err
		}
		return boxRuns(d.info.Shape, starts, counts, zero, counts, func(soff, doff, m int64) error {
			copy(dst[doff*es:(doff+m)*es], scratch[(soff-first)*es:])
			return nil
		})
	}
	return boxRuns(d.info.Shape, starts, counts, zero, counts, func(soff, doff, m int64) error {
		return d.f.readInto(dst[doff*es:(doff+m)*es], base+soff*es, what)
	})
}

func (d *Dataset) readChunked(starts, counts []int64, dst []byte) error {
	rank := len(d.info.Shape)
	es := int64(d.esize)
	lo := make([]uint64, rank)
	hi := make([]uint64, rank)
	total := int64(1)
	for i := 0; i < rank; i++ {
		lo[i] = uint64(starts[i] / d.chunk[i])
		hi[i] = uint64((starts[i] + counts[i] - 1) / d.chunk[i])
		total *= int64(hi[i]-lo[i]) + 1
	}
	type found struct {
		scaled []uint64
		ref    chunkRef
	}
	var chunks []found
	err := d.idx.find(lo, hi, func(scaled []uint64, c chunkRef) error {
		if int64(len(chunks)) >= total {
			return corrupt("chunk index of "+d.name, -1, "more chunks than the box holds (duplicate entries)")
		}
		chunks = append(chunks, found{slices.Clone(scaled), c})
		return nil
	})
	if err != nil {
		return err
	}
	if int64(len(chunks)) < total {
		fillBytes(dst, d.fill)
	}
	origin := make([]int64, rank)
	cstart := make([]int64, rank)
	dstart := make([]int64, rank)
	cnt := make([]int64, rank)
	for _, c := range chunks {
		edge := false
		for i := 0; i < rank; i++ {
			origin[i] = int64(c.scaled[i]) * d.chunk[i]
			a := max(origin[i], starts[i])
			b := min(origin[i]+d.chunk[i], starts[i]+counts[i])
			if origin[i]+d.chunk[i] > d.info.Shape[i] {
				edge = true
			}
			cstart[i], dstart[i], cnt[i] = a-origin[i], a-starts[i], b-a
		}
		data, err := d.chunkData(c.ref, edge)
		if err != nil {
			return err
		}
		copyBox(dst, counts, dstart, data, d.chunk, cstart, cnt, es)
	}
	return nil
}

// chunkData returns the decoded, little-endian bytes of a chunk, from the
// cache when it is there.
func (d *Dataset) chunkData(c chunkRef, edge bool) ([]byte, error) {
	if b := d.f.cache.get(c.addr); b != nil {
		return b, nil
	}
	what := "chunk of " + d.name
	stored := c.size
	if len(d.filters) == 0 || (edge && d.lay.flags&1 != 0) {
		stored = uint64(d.chunkBytes)
		c.mask = ^uint32(0)
	}
	if stored == 0 || stored > uint64(d.f.size) {
		return nil, corrupt(what, int64(c.addr), "stored chunk size %d (file size %d)", stored, d.f.size)
	}
	off, err := d.f.abs(c.addr, what)
	if err != nil {
		return nil, err
	}
	raw, err := d.f.readAt(off, int64(stored), what)
	if err != nil {
		return nil, err
	}
	data := raw
	if len(d.filters) > 0 && c.mask != ^uint32(0) {
		if data, err = d.unfilter(raw, c.mask, d.chunkBytes, c.addr); err != nil {
			return nil, err
		}
	} else if int64(len(data)) != d.chunkBytes {
		return nil, corrupt(what, off, "chunk of %d bytes, want %d", len(data), d.chunkBytes)
	}
	if d.swap {
		swapBytes(data, d.esize) // data is a fresh buffer, never shared yet
	}
	d.f.cache.put(c.addr, data)
	return data, nil
}
