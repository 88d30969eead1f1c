package arrayfile

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Format names an array file format.
type Format string

// The supported formats.
const (
	// FormatNPY is NumPy's .npy format, versions 1.0, 2.0 and 3.0 (read) and
	// 1.0 and 2.0 (write), C order only.
	FormatNPY Format = "npy"
	// FormatRaw is bare element bytes in row-major order, with type, shape
	// and byte order declared by the caller.
	FormatRaw Format = "raw"
)

// formatFor resolves an unset Format from the path's extension: ".npy" (any
// case) is FormatNPY, everything else FormatRaw.
func formatFor(f Format, path string) (Format, error) {
	switch f {
	case FormatNPY, FormatRaw:
		return f, nil
	case "":
		if strings.EqualFold(filepath.Ext(path), ".npy") {
			return FormatNPY, nil
		}
		return FormatRaw, nil
	}
	return "", fmt.Errorf("unknown format %q (want %q or %q)", f, FormatNPY, FormatRaw)
}

// Info describes an array file: what its elements are, its shape, and where
// the element data starts. The data is always row-major (C order).
type Info struct {
	// Format is FormatNPY or FormatRaw.
	Format Format
	// DType is the element type.
	DType DType
	// Shape lists the dimensions, outermost first. An empty, non-nil shape is
	// a 0-D array of one element; a dimension of 0 makes an empty array.
	Shape []int64
	// Order is the byte order of the elements in the file. One-byte types
	// always report LittleEndian.
	Order ByteOrder
	// DataOffset is the byte offset of the first element in the file: the npy
	// header length, or the raw Offset.
	DataOffset int64
	// NPYVersion is the npy format major version (1, 2 or 3); 0 for raw
	// files. In Create, 0 picks version 1 as NumPy does, and 1 or 2 force it.
	NPYVersion int
}

// Elements returns the number of elements (see the package-level Elements).
func (i Info) Elements() (int64, error) { return Elements(i.Shape) }

// DataSize returns the size of the element data in bytes, or an error if the
// type is invalid or the size overflows int64.
func (i Info) DataSize() (int64, error) {
	if !i.DType.Valid() {
		return 0, fmt.Errorf("arrayfile: invalid element type %v", i.DType)
	}
	return dataSize(i.Shape, i.DType.Size())
}

func (i Info) clone() Info {
	i.Shape = slices.Clone(i.Shape)
	return i
}

// OpenOptions configures Open. A nil *OpenOptions means all defaults, which
// suits npy files; raw files need DType and Shape. Open does not modify it.
type OpenOptions struct {
	// Format is the file format. Default "": by extension, ".npy" (any case)
	// is npy and anything else raw.
	Format Format
	// DType is the element type of a raw file (required there). For an npy
	// file it is optional: if set, the header must declare this type or Open
	// fails with ErrInvalid.
	DType DType
	// Shape is the shape of a raw file (required there; use []int64{} for a
	// 0-D array, nil means unset). For an npy file it is optional: if
	// non-nil, the header must declare this shape or Open fails.
	Shape []int64
	// Order is the byte order of a raw file. Default LittleEndian. Ignored
	// for npy files, whose header declares it.
	Order ByteOrder
	// Offset is the number of bytes before the data in a raw file (a header
	// of another format to skip). Default 0. Must be 0 for npy files.
	Offset int64
}

// Reader reads blocks of an array file. ReadBlock, Checksum and Info are safe
// for concurrent use by several goroutines (reads use ReadAt and share no
// position); Close waits for calls in progress and makes later calls fail
// with ErrClosed.
type Reader struct {
	path string
	info Info
	size int64 // data bytes

	mu sync.RWMutex
	f  *os.File // nil once closed
}

// Open opens the array file at path and validates it: for npy files the
// magic, version and header (see the package doc for what is refused), for
// both formats that the file size is exactly DataOffset + shape × item size,
// so a truncated or overlong file is an error naming both sizes. Errors name
// the path and match ErrInvalid or ErrUnsupported where that applies (and
// fs.ErrNotExist and friends for a missing or unreadable file). The caller
// must Close the Reader.
func Open(path string, opts *OpenOptions) (*Reader, error) {
	r, err := open(path, opts)
	if err != nil {
		return nil, fmt.Errorf("arrayfile: open %s: %w", path, err)
	}
	return r, nil
}

func open(path string, opts *OpenOptions) (*Reader, error) {
	var o OpenOptions
	if opts != nil {
		o = *opts
	}
	format, err := formatFor(o.Format, path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &Reader{path: path, f: f}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errorf(ErrInvalid, "not a regular file (mode %v)", st.Mode())
	}
	fileSize := st.Size()

	switch format {
	case FormatNPY:
		if o.Offset != 0 {
			return nil, fmt.Errorf("option Offset=%d applies to raw files only", o.Offset)
		}
		h, err := readNPYHeader(f, fileSize)
		if err != nil {
			return nil, err
		}
		r.info = Info{Format: FormatNPY, DType: h.dtype, Shape: h.shape, Order: h.order, DataOffset: h.dataOffset, NPYVersion: h.major}
		if o.DType != 0 && o.DType != h.dtype {
			return nil, errorf(ErrInvalid, "element type is %v, want %v", h.dtype, o.DType)
		}
		if o.Shape != nil && !slices.Equal(o.Shape, h.shape) {
			return nil, errorf(ErrInvalid, "shape is %v, want %v", h.shape, o.Shape)
		}
	case FormatRaw:
		if !o.DType.Valid() {
			hint := ""
			if o.Format == "" {
				hint = " (the name does not end in .npy, so it is read as raw; set OpenOptions.Format for an npy file)"
			}
			return nil, fmt.Errorf("raw file needs an element type (OpenOptions.DType), got %v%s", o.DType, hint)
		}
		if o.Shape == nil {
			return nil, errors.New("raw file needs a shape (OpenOptions.Shape)")
		}
		if !o.Order.Valid() {
			return nil, fmt.Errorf("invalid byte order %v", o.Order)
		}
		if o.Offset < 0 {
			return nil, fmt.Errorf("negative raw data offset %d", o.Offset)
		}
		r.info = Info{Format: FormatRaw, DType: o.DType, Shape: slices.Clone(o.Shape), Order: orderFor(o.DType, o.Order), DataOffset: o.Offset}
	}

	r.size, err = r.info.DataSize()
	if err != nil {
		return nil, err
	}
	if err := checkFileSize(r.info, r.size, fileSize); err != nil {
		return nil, err
	}
	ok = true
	return r, nil
}

// checkFileSize verifies fileSize == DataOffset + data size.
func checkFileSize(info Info, size, fileSize int64) error {
	what := fmt.Sprintf("shape %v of %v needs %d data bytes", info.Shape, info.DType, size)
	if info.DataOffset > 0 {
		what += fmt.Sprintf(" after the %d-byte header", info.DataOffset)
	}
	if fileSize < info.DataOffset {
		return errorf(ErrInvalid, "file truncated: %s, but the file has only %d bytes", what, fileSize)
	}
	switch have := fileSize - info.DataOffset; {
	case have < size:
		return errorf(ErrInvalid, "file truncated: %s, the file has %d", what, have)
	case have > size:
		return errorf(ErrInvalid, "file too long: %s, the file has %d (wrong shape or type?)", what, have)
	}
	return nil
}

// readNPYHeader reads and decodes the npy header of f, reading no more than
// the header itself (bounded by maxNPYHeaderLen).
func readNPYHeader(f io.ReaderAt, fileSize int64) (npyHeader, error) {
	buf, err := readPrefix(f, min(fileSize, 12))
	if err != nil {
		return npyHeader{}, err
	}
	if need, ok := npyHeaderLen(buf); ok && need > int64(len(buf)) {
		if buf, err = readPrefix(f, min(fileSize, need)); err != nil {
			return npyHeader{}, err
		}
	}
	return decodeNPYHeader(buf)
}

func readPrefix(f io.ReaderAt, n int64) ([]byte, error) {
	buf := make([]byte, n)
	if got, err := f.ReadAt(buf, 0); got < len(buf) {
		if err == nil || errors.Is(err, io.EOF) {
			err = errorf(ErrInvalid, "file shrank while its header was read")
		}
		return nil, err
	}
	return buf, nil
}

// npyHeaderLen returns the total header length (prelude plus header) that a
// well-formed prelude at the start of b announces, if it is well-formed and
// within maxNPYHeaderLen; decodeNPYHeader reports what is wrong otherwise.
func npyHeaderLen(b []byte) (int64, bool) {
	if len(b) < 12 || string(b[:6]) != npyMagic || b[6] < 1 || b[6] > 3 || b[7] != 0 {
		return 0, false
	}
	hlen := int64(binary.LittleEndian.Uint32(b[8:12]))
	if b[6] == 1 {
		hlen = int64(binary.LittleEndian.Uint16(b[8:10]))
	}
	if hlen > maxNPYHeaderLen {
		return 0, false
	}
	return int64(npyPreludeLen(int(b[6]))) + hlen, true
}

// Info returns the file's description. The returned Shape is a copy.
func (r *Reader) Info() Info { return r.info.clone() }

// Path returns the path given to Open.
func (r *Reader) Path() string { return r.path }

// Read tuning. Runs that start at most gatherStrideMax bytes apart are read
// together with their neighbours in one ReadAt of up to scratchSize bytes,
// then copied out. Measured on the 2-core build machine from the page cache
// (BenchmarkReadBlock): a ReadAt costs 0.5-1.5 µs, as much as copying 3-9
// KiB; runs 2 KiB apart read 2-3 times faster gathered, runs 8 KiB apart
// read faster one by one.
const (
	scratchSize     = 1 << 20
	gatherStrideMax = 4 << 10
)

var scratchPool = sync.Pool{New: func() any { b := make([]byte, scratchSize); return &b }}

// ReadBlock reads the row-major sub-box of the array that starts at starts
// and spans counts elements in each dimension into dst, as little-endian
// element bytes (swapped from the file's order if it is big-endian), in
// row-major order of the block. len(dst) must be product(counts) × item size;
// a block of zero elements reads nothing. A block of whole trailing rows
// (planes, ...) is one ReadAt; other blocks are read run by run, where a run
// is the longest contiguous stretch, and runs less than 4 KiB apart are
// gathered through a bounded (1 MiB) scratch buffer. Errors name the file and
// match ErrBlock (bad starts, counts or dst length), ErrInvalid (the file
// shrank since Open) or ErrClosed. Safe for concurrent use.
func (r *Reader) ReadBlock(starts, counts []int64, dst []byte) error {
	if err := r.readBlock(starts, counts, dst); err != nil {
		return fmt.Errorf("arrayfile: read %s: %w", r.path, err)
	}
	return nil
}

func (r *Reader) readBlock(starts, counts []int64, dst []byte) error {
	n, err := checkBox(r.info.Shape, starts, counts)
	if err != nil {
		return err
	}
	size := int64(r.info.DType.Size())
	if int64(len(dst)) != n*size {
		return errorf(ErrBlock, "block counts %v of %v needs a %d-byte buffer, got %d", counts, r.info.DType, n*size, len(dst))
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.f == nil {
		return errClosed
	}
	if n == 0 {
		return nil
	}
	p := planRuns(r.info.Shape, counts)
	runBytes := p.runElems * size
	strideBytes := groupStride(p) * size
	maxGroup := gatherGroup(p, size)
	if maxGroup <= 1 {
		err = forEachGroup(p, starts, counts, 1, func(fileElem, bufElem, _ int64) error {
			return r.readAt(dst[bufElem*size:(bufElem+p.runElems)*size], fileElem*size)
		})
	} else {
		bp := scratchPool.Get().(*[]byte)
		defer scratchPool.Put(bp)
		scratch := *bp
		err = forEachGroup(p, starts, counts, maxGroup, func(fileElem, bufElem, g int64) error {
			span := (g-1)*strideBytes + runBytes
			if err := r.readAt(scratch[:span], fileElem*size); err != nil {
				return err
			}
			out := dst[bufElem*size:]
			for j := int64(0); j < g; j++ {
				copy(out[j*runBytes:(j+1)*runBytes], scratch[j*strideBytes:])
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	if r.info.Order == BigEndian {
		swapBytes(dst, int(size))
	}
	return nil
}

// gatherGroup returns how many consecutive runs of plan p (elements of size
// bytes) ReadBlock reads with one ReadAt through the scratch buffer; 1 means
// each run is read directly into the destination.
func gatherGroup(p runPlan, size int64) int64 {
	runBytes := p.runElems * size
	strideBytes := groupStride(p) * size
	if p.split == 0 || strideBytes > gatherStrideMax {
		return 1
	}
	return (scratchSize-runBytes)/strideBytes + 1
}

// readAt reads len(b) bytes at data offset off; the caller holds r.mu.
func (r *Reader) readAt(b []byte, off int64) error {
	n, err := r.f.ReadAt(b, r.info.DataOffset+off)
	if n == len(b) {
		return nil
	}
	if errors.Is(err, io.EOF) {
		return errorf(ErrInvalid, "short read of %d bytes at offset %d, got %d: the file shrank after it was opened", len(b), r.info.DataOffset+off, n)
	}
	return err
}

// Default and maximum buffer for Checksum.
const (
	defaultChecksumBuf = 1 << 20
	maxChecksumBuf     = 4 << 20
)

// Checksum returns the SHA-256 of the array's logical content: every element
// in row-major order as little-endian bytes. It is independent of the file
// format and byte order, so an array and its copy in another format or byte
// order have the same checksum, and it equals sha256.Sum256 over the
// concatenation of ReadBlock results that tile the array in order. It reads
// the file sequentially with one buffer of blockElems elements (default,
// when blockElems <= 0, 1 MiB; at most 4 MiB whatever blockElems says), and
// checks ctx between buffers, returning ctx.Err() wrapped when it is done.
// Safe for concurrent use with the other read methods.
func (r *Reader) Checksum(ctx context.Context, blockElems int64) ([32]byte, error) {
	sum, err := r.checksum(ctx, blockElems)
	if err != nil {
		return sum, fmt.Errorf("arrayfile: checksum %s: %w", r.path, err)
	}
	return sum, nil
}

func (r *Reader) checksum(ctx context.Context, blockElems int64) ([32]byte, error) {
	size := int64(r.info.DType.Size())
	bufBytes := int64(defaultChecksumBuf)
	if blockElems > 0 {
		bufBytes = min(blockElems, maxChecksumBuf/size) * size
	}
	bufBytes = max(min(bufBytes, r.size), size)
	buf := make([]byte, bufBytes)
	h := sha256.New()
	for off := int64(0); off < r.size; {
		if err := ctx.Err(); err != nil {
			return [32]byte{}, err
		}
		chunk := buf[:min(bufBytes, r.size-off)]
		if err := r.lockedReadAt(chunk, off); err != nil {
			return [32]byte{}, err
		}
		if r.info.Order == BigEndian {
			swapBytes(chunk, int(size))
		}
		h.Write(chunk)
		off += int64(len(chunk))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

func (r *Reader) lockedReadAt(b []byte, off int64) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.f == nil {
		return errClosed
	}
	return r.readAt(b, off)
}

// Close closes the file. It waits for ReadBlock and Checksum calls in
// progress; later calls fail with ErrClosed. Close is idempotent: calls after
// the first return nil.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return fmt.Errorf("arrayfile: close %s: %w", r.path, err)
	}
	return nil
}
