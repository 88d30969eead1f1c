package arrayfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

// CreateOptions configures Create. A nil *CreateOptions means all defaults.
// Create does not modify it.
type CreateOptions struct {
	// Perm is the permission of the final file, applied exactly (the umask
	// is not consulted). Default 0o644.
	Perm fs.FileMode
	// NoOverwrite makes Create fail if the destination exists, and Commit
	// fail (keeping the existing file) if it appeared meanwhile; both errors
	// match fs.ErrExist. Commit then links the file into place instead of
	// renaming, which needs a file system with hard links. Default false:
	// Commit atomically replaces an existing destination.
	NoOverwrite bool
}

// PartialPattern is the os.CreateTemp pattern of the temporary file Create
// writes next to the destination: a dot, the destination's base name, then
// ".partial-" and a random suffix. A crash can leave such files behind; they
// are never a complete array unless Commit said so.
const PartialPattern = ".%s.partial-*"

// Writer writes an array file block by block, in any order. It writes into a
// temporary file in the destination's directory (see PartialPattern) that
// Commit moves into place; until then the destination is untouched, so a
// failed or interrupted transfer never leaves a half-written array under the
// final name. WriteBlock, Info and Written are safe for concurrent use by
// several goroutines, writing different (or even overlapping: the last
// write wins per byte) blocks. Commit, Abort and Close wait for WriteBlock
// calls in progress; afterwards WriteBlock fails with ErrClosed.
//
// Use it as:
//
//	w, err := arrayfile.Create(path, info, nil)
//	if err != nil { ... }
//	defer w.Close() // discards the file unless committed
//	... WriteBlock from several goroutines ...
//	if err := w.Commit(); err != nil { ... }
type Writer struct {
	path    string
	tmp     string
	info    Info
	size    int64 // data bytes
	perm    fs.FileMode
	noClob  bool
	written atomic.Int64

	mu sync.RWMutex
	f  *os.File // nil once committed or aborted
}

// Create starts writing an array file at path described by info: Format ("" =
// by extension, ".npy" is npy and anything else raw), DType, Shape (non-nil;
// []int64{} is 0-D), Order (default LittleEndian) and, for npy, NPYVersion (0
// = NumPy's choice, 1 or 2). DataOffset must be 0; Create sets it. npy
// headers are written exactly as numpy.save writes them (64-byte aligned).
// The temporary file is created, its header written and its data area
// preallocated at full size with Truncate (sparse where the file system
// allows). Errors name the path; nothing is left on disk when Create fails.
// The caller must Commit or Close the Writer.
func Create(path string, info Info, opts *CreateOptions) (*Writer, error) {
	w, err := create(path, info, opts)
	if err != nil {
		return nil, fmt.Errorf("arrayfile: create %s: %w", path, err)
	}
	return w, nil
}

func create(path string, info Info, opts *CreateOptions) (*Writer, error) {
	var o CreateOptions
	if opts != nil {
		o = *opts
	}
	if o.Perm == 0 {
		o.Perm = 0o644
	}
	format, err := formatFor(info.Format, path)
	if err != nil {
		return nil, err
	}
	if !info.DType.Valid() {
		return nil, fmt.Errorf("invalid element type %v", info.DType)
	}
	if !info.Order.Valid() {
		return nil, fmt.Errorf("invalid byte order %v", info.Order)
	}
	if info.Shape == nil {
		return nil, errors.New("shape is required (use an empty shape for a 0-D array)")
	}
	if info.DataOffset != 0 {
		return nil, fmt.Errorf("DataOffset is set by Create, got %d", info.DataOffset)
	}
	out := Info{Format: format, DType: info.DType, Shape: slices.Clone(info.Shape), Order: orderFor(info.DType, info.Order)}
	size, err := out.DataSize()
	if err != nil {
		return nil, err
	}
	var header []byte
	switch format {
	case FormatNPY:
		header, err = encodeNPYHeader(out.DType, out.Order, out.Shape, info.NPYVersion)
		if err != nil {
			return nil, err
		}
		out.NPYVersion = int(header[6])
	case FormatRaw:
		if info.NPYVersion != 0 {
			return nil, fmt.Errorf("NPYVersion=%d given for a raw file", info.NPYVersion)
		}
	}
	out.DataOffset = int64(len(header))
	if size > math.MaxInt64-out.DataOffset {
		return nil, fmt.Errorf("data of %d bytes is too large", size)
	}
	switch st, err := os.Lstat(path); {
	case err == nil && st.IsDir():
		return nil, errors.New("destination is a directory")
	case err == nil && o.NoOverwrite:
		return nil, fmt.Errorf("destination exists: %w", fs.ErrExist)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, fmt.Sprintf(PartialPattern, base))
	if err != nil {
		return nil, err
	}
	w := &Writer{path: path, tmp: f.Name(), info: out, size: size, perm: o.Perm, noClob: o.NoOverwrite, f: f}
	if err := w.prepare(header); err != nil {
		_ = f.Close()
		_ = os.Remove(w.tmp)
		return nil, err
	}
	return w, nil
}

func (w *Writer) prepare(header []byte) error {
	if err := w.f.Chmod(w.perm); err != nil {
		return err
	}
	if len(header) > 0 {
		if _, err := w.f.WriteAt(header, 0); err != nil {
			return err
		}
	}
	if err := w.f.Truncate(w.info.DataOffset + w.size); err != nil {
		return fmt.Errorf("preallocate %d bytes: %w", w.info.DataOffset+w.size, err)
	}
	return nil
}

// Info returns the description of the file being written, with DataOffset
// and NPYVersion filled in. The returned Shape is a copy.
func (w *Writer) Info() Info { return w.info.clone() }

// Path returns the destination path given to Create.
func (w *Writer) Path() string { return w.path }

// TempPath returns the path of the temporary file being written (removed by
// Abort, renamed to Path by Commit).
func (w *Writer) TempPath() string { return w.tmp }

// Written returns the number of data bytes accepted by successful WriteBlock
// calls so far; overlapping blocks count twice. A caller that tiles the array
// with disjoint blocks can compare it with Info().DataSize() before Commit.
func (w *Writer) Written() int64 { return w.written.Load() }

// WriteBlock writes the row-major sub-box that starts at starts and spans
// counts elements in each dimension from src, given as little-endian element
// bytes in row-major order of the block (swapped to big-endian on the way if
// the file is big-endian; src itself is never modified). len(src) must be
// product(counts) × item size; an empty block writes nothing. Each
// contiguous run of the block is one WriteAt (big-endian data goes through a
// bounded 1 MiB scratch buffer). Errors name the file and match ErrBlock or
// ErrClosed, or carry the system error (a full disk, say); after an error the
// Writer stays usable and the caller decides whether to Abort. Safe for
// concurrent use.
func (w *Writer) WriteBlock(starts, counts []int64, src []byte) error {
	if err := w.writeBlock(starts, counts, src); err != nil {
		return fmt.Errorf("arrayfile: write %s: %w", w.path, err)
	}
	return nil
}

func (w *Writer) writeBlock(starts, counts []int64, src []byte) error {
	n, err := checkBox(w.info.Shape, starts, counts)
	if err != nil {
		return err
	}
	size := int64(w.info.DType.Size())
	if int64(len(src)) != n*size {
		return errorf(ErrBlock, "block counts %v of %v needs %d bytes, got %d", counts, w.info.DType, n*size, len(src))
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.f == nil {
		return errClosed
	}
	if n == 0 {
		return nil
	}
	p := planRuns(w.info.Shape, counts)
	runBytes := p.runElems * size
	swap := w.info.Order == BigEndian
	var scratch []byte
	if swap {
		bp := scratchPool.Get().(*[]byte)
		defer scratchPool.Put(bp)
		scratch = (*bp)[:scratchSize/size*size]
	}
	err = forEachGroup(p, starts, counts, 1, func(fileElem, bufElem, _ int64) error {
		run := src[bufElem*size : bufElem*size+runBytes]
		off := w.info.DataOffset + fileElem*size
		if !swap {
			_, err := w.f.WriteAt(run, off)
			return err
		}
		for len(run) > 0 {
			k := copy(scratch, run)
			swapBytes(scratch[:k], int(size))
			if _, err := w.f.WriteAt(scratch[:k], off); err != nil {
				return err
			}
			run, off = run[k:], off+int64(k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.written.Add(int64(len(src)))
	return nil
}

// Commit makes the file durable and puts it in place: it fsyncs the
// temporary file, closes it, renames it to the destination (replacing an
// existing file atomically; with NoOverwrite it hard-links instead and fails
// with fs.ErrExist if the destination exists), then fsyncs the directory on
// a best-effort basis. It waits for WriteBlock calls in progress. Commit does
// not check that every block was written (see Written). On failure the
// temporary file is removed and the destination is left as it was. After
// Commit, successful or not, the Writer is closed: WriteBlock and Commit
// return ErrClosed, Abort and Close return nil.
func (w *Writer) Commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("arrayfile: commit %s: %w", w.path, errClosed)
	}
	f := w.f
	w.f = nil
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if w.noClob {
			if err = os.Link(w.tmp, w.path); err == nil {
				_ = os.Remove(w.tmp)
			}
		} else {
			err = os.Rename(w.tmp, w.path)
		}
	}
	if err != nil {
		_ = os.Remove(w.tmp)
		return fmt.Errorf("arrayfile: commit %s: %w", w.path, err)
	}
	syncDir(filepath.Dir(w.path))
	return nil
}

// syncDir fsyncs a directory so a rename in it survives a crash. Some file
// systems and platforms refuse to sync directories; that is ignored, as the
// rename itself has already succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Abort discards the file: it closes and removes the temporary file, leaving
// the destination untouched. It waits for WriteBlock calls in progress. It
// is idempotent and does nothing after Commit, so `defer w.Abort()` is a
// safe cleanup. The error reports a failure to close or remove the
// temporary file.
func (w *Writer) Abort() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if rerr := os.Remove(w.tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("arrayfile: abort %s: %w", w.path, err)
	}
	return nil
}

// Close is Abort: closing a Writer that was not committed discards what was
// written, so nothing incomplete reaches the destination; after Commit it
// does nothing and returns nil. It exists so a Writer is an io.Closer.
func (w *Writer) Close() error { return w.Abort() }
