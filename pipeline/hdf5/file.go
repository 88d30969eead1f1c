package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// signature is the HDF5 format signature that starts the superblock.
var signature = []byte("\x89HDF\r\n\x1a\n")

// maxMeta bounds a single metadata structure read from a file (an object
// header chunk, a heap data segment, a B-tree node, a fractal heap block).
// Real files keep these far smaller; the bound keeps a corrupt length from
// driving a large allocation even in a large file.
const maxMeta = 64 << 20

// File is an HDF5 file open for reading. Its methods are safe for concurrent
// use by several goroutines; Datasets obtained from it share its file handle
// and chunk cache and stop working (ErrClosed) once it is closed.
type File struct {
	path    string
	r       io.ReaderAt
	closer  io.Closer
	size    int64
	base    int64
	sizeOff int
	sizeLen int
	super   int // superblock version
	root    uint64

	// leafK and internalK are the old-style group B-tree parameters of a
	// version 0/1 superblock.
	leafK, internalK int

	mu     sync.RWMutex
	closed bool

	cache *chunkCache

	gmu    sync.Mutex
	groups map[uint64][]link // group listings by object header address
}

// Open opens the HDF5 file at path and reads its superblock. Superblock
// versions 0 to 3 are accepted, at offset 0 or at 512, 1024, 2048, ... (a
// user block before it). Errors name the path and match ErrInvalid (not HDF5,
// corrupt superblock) or ErrUnsupported. The caller must Close the File.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hdf5: open %s: %w", path, err)
	}
	st, err := fh.Stat()
	if err != nil {
		_ = fh.Close()
		return nil, fmt.Errorf("hdf5: open %s: %w", path, err)
	}
	f, err := newFile(path, fh, st.Size())
	if err != nil {
		_ = fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// OpenReaderAt reads an HDF5 file of the given size from r, named name in
// errors. It is Open for data that is not a local file (an in-memory buffer,
// a section of a larger file); r must be safe for concurrent ReadAt calls.
// Close does not close r.
func OpenReaderAt(r io.ReaderAt, size int64, name string) (*File, error) {
	return newFile(name, r, size)
}

func newFile(path string, r io.ReaderAt, size int64) (*File, error) {
	f := &File{path: path, r: r, size: size, cache: newChunkCache(defaultCacheBytes), groups: map[uint64][]link{}}
	if err := f.readSuperblock(); err != nil {
		return nil, fmt.Errorf("hdf5: open %s: %w", path, err)
	}
	return f, nil
}

// Path returns the name the file was opened with.
func (f *File) Path() string { return f.path }

// SuperblockVersion returns the version of the file's superblock (0 to 3):
// 0 for files written with h5py's default (libver "earliest"), 2 for
// libver "v108", 3 for "latest".
func (f *File) SuperblockVersion() int { return f.super }

// Close releases the file. It waits for reads in progress; later calls on
// the File or its Datasets fail with ErrClosed. Close is idempotent.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	f.cache.clear()
	if f.closer != nil {
		if err := f.closer.Close(); err != nil {
			return fmt.Errorf("hdf5: close %s: %w", f.path, err)
		}
	}
	return nil
}

// rlock takes the read lock and fails once the file is closed; the caller
// must call f.mu.RUnlock when it returns nil.
func (f *File) rlock() error {
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return errorf(ErrClosed, "hdf5: %s: already closed", f.path)
	}
	return nil
}

// readAt reads exactly n bytes at the absolute file offset off. It checks the
// range against the file size before allocating.
func (f *File) readAt(off int64, n int64, what string) ([]byte, error) {
	if n < 0 || off < 0 || off > f.size || n > f.size-off {
		return nil, corrupt(what, off, "%d bytes would run past the end of the file (size %d)", n, f.size)
	}
	b := make([]byte, n)
	if err := f.readInto(b, off, what); err != nil {
		return nil, err
	}
	return b, nil
}

func (f *File) readInto(b []byte, off int64, what string) error {
	m, err := f.r.ReadAt(b, off)
	if m == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return corrupt(what, off, "short read of %d bytes, got %d (file truncated?)", len(b), m)
	}
	return fmt.Errorf("%s at offset %d: %w", what, off, err)
}

// abs converts a file address (relative to the base address) to an absolute
// offset, checking it lies inside the file.
func (f *File) abs(a uint64, what string) (int64, error) {
	if a == undef {
		return 0, corrupt(what, -1, "undefined address")
	}
	if a > uint64(f.size) || int64(a) > f.size-f.base {
		return 0, corrupt(what, int64(a), "address past the end of the file (size %d)", f.size)
	}
	return f.base + int64(a), nil
}

// readMeta reads n bytes of metadata at file address a, bounded by maxMeta.
func (f *File) readMeta(a uint64, n uint64, what string) ([]byte, int64, error) {
	off, err := f.abs(a, what)
	if err != nil {
		return nil, 0, err
	}
	if n > maxMeta {
		return nil, off, corrupt(what, off, "size %d exceeds the %d-byte limit for metadata", n, maxMeta)
	}
	b, err := f.readAt(off, int64(n), what)
	return b, off, err
}

// readUpTo reads up to n bytes at address a, fewer when the file ends first
// (for structures whose size is known only after parsing their prefix).
func (f *File) readUpTo(a uint64, n int64, what string) ([]byte, int64, error) {
	off, err := f.abs(a, what)
	if err != nil {
		return nil, 0, err
	}
	n = min(n, f.size-off)
	b, err := f.readAt(off, n, what)
	return b, off, err
}

func (f *File) readSuperblock() error {
	var at int64 = -1
	var probe [8]byte
	for off := int64(0); off+8 <= f.size; off = max(512, off*2) {
		if err := f.readInto(probe[:], off, "superblock"); err != nil {
			return err
		}
		if bytes.Equal(probe[:], signature) {
			at = off
			break
		}
	}
	if at < 0 {
		return errorf(ErrInvalid, "not an HDF5 file: no superblock signature found")
	}
	b, err := f.readAt(at, min(f.size-at, 256), "superblock")
	if err != nil {
		return err
	}
	r := &rd{b: b, at: at, what: "superblock", p: 8}
	f.super = int(r.u8())
	switch f.super {
	case 0, 1:
		r.skip(3) // free-space, root symbol table and shared header versions
		r.skip(1)
		f.sizeOff, f.sizeLen = int(r.u8()), int(r.u8())
		r.skip(1)
		f.leafK, f.internalK = int(r.u16()), int(r.u16())
		r.skip(4) // consistency flags
		if f.super == 1 {
			r.skip(4) // indexed storage K, reserved
		}
		if err := f.checkSizes(r); err != nil {
			return err
		}
		r.so, r.sl = f.sizeOff, f.sizeLen
		base := r.addr()
		r.addr() // free-space info
		r.addr() // end of file
		r.addr() // driver info
		// Root group symbol table entry.
		r.addr() // link name offset
		f.root = r.addr()
		if r.err != nil {
			return r.err
		}
		if f.leafK <= 0 || f.internalK <= 0 {
			return corrupt("superblock", at, "group B-tree K values %d/%d must be positive", f.leafK, f.internalK)
		}
		f.base = int64(base)
		if base == undef || f.base < 0 || f.base > f.size {
			return corrupt("superblock", at, "base address %d outside the file", base)
		}
	case 2, 3:
		f.sizeOff, f.sizeLen = int(r.u8()), int(r.u8())
		r.skip(1)
		if err := f.checkSizes(r); err != nil {
			return err
		}
		r.so, r.sl = f.sizeOff, f.sizeLen
		base := r.addr()
		r.addr() // superblock extension
		r.addr() // end of file
		f.root = r.addr()
		r.checksum(0)
		if r.err != nil {
			return r.err
		}
		f.base = int64(base)
		if base == undef || f.base < 0 || f.base > f.size {
			return corrupt("superblock", at, "base address %d outside the file", base)
		}
	default:
		return unsupported("superblock version %d", f.super)
	}
	// Like the HDF5 library, trust where the superblock was found over a
	// stored base address that disagrees (a file with a user block
	// prepended after it was written).
	if f.base != at {
		f.base = at
	}
	if f.root == undef {
		return corrupt("superblock", at, "undefined root group address")
	}
	return nil
}

func (f *File) checkSizes(r *rd) error {
	if r.err != nil {
		return r.err
	}
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(f.sizeOff) || !ok(f.sizeLen) {
		return corrupt("superblock", r.at, "size of offsets %d / lengths %d must be 2, 4 or 8", f.sizeOff, f.sizeLen)
	}
	return nil
}
