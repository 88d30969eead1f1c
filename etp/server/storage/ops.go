package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// Internal implementations shared by DB (tx == nil for reads, an auto Tx for
// writes) and Tx. Write ops take tx.mu themselves and never hold it during
// payload I/O, except for the copy-on-write copy. No lock is taken while a
// bbolt transaction is open.

// Dataspaces.

func (db *DB) getDataspace(tx *Tx, path string) (Dataspace, error) {
	tx.lock()
	defer tx.unlock()
	var rec dsRec
	var ok bool
	err := db.view(func(s snap) (err error) {
		rec, ok, err = tx.lookupDS(s, path)
		return err
	})
	if err != nil {
		return Dataspace{}, err
	}
	if !ok {
		return Dataspace{}, fmt.Errorf("dataspace %q: %w", path, ErrNotFound)
	}
	return rec.public(path), nil
}

func (db *DB) listDataspaces(tx *Tx, f DataspaceFilter) ([]Dataspace, bool, error) {
	tx.lock()
	defer tx.unlock()
	recs := map[string]dsRec{}
	err := db.view(func(s snap) error {
		return s.ds.ForEach(func(k, v []byte) error {
			r, err := decodeDS(v)
			if err != nil {
				return fmt.Errorf("dataspace %q: %w", k, err)
			}
			recs[string(k[1:])] = r
			return nil
		})
	})
	if err != nil {
		return nil, false, err
	}
	if tx != nil {
		for path, op := range tx.dsOps {
			if op.del {
				delete(recs, path)
			} else {
				recs[path] = op.rec
			}
		}
	}
	paths := make([]string, 0, len(recs))
	for p, r := range recs {
		if f.LastWriteAfter == 0 || r.lastWrite > f.LastWriteAfter {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	more := false
	if f.Limit > 0 && len(paths) > f.Limit {
		paths, more = paths[:f.Limit], true
	}
	out := make([]Dataspace, len(paths))
	for i, p := range paths {
		r := recs[p]
		out[i] = r.public(p)
	}
	return out, more, nil
}

func (db *DB) putDataspace(tx *Tx, d Dataspace) (*dsOp, error) {
	if err := checkKey("dataspace path", d.Path, true); err != nil {
		return nil, err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.require(d.Path); err != nil {
		return nil, err
	}
	now := db.stamp()
	rec := dsRec{created: now, lastWrite: now, custom: slices.Clone(d.CustomData)}
	err := db.view(func(s snap) error {
		old, ok, err := tx.lookupDS(s, d.Path)
		if ok {
			rec.created = old.created
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	op := &dsOp{rec: rec}
	tx.dsOps[d.Path] = op
	return op, nil
}

func (db *DB) deleteDataspace(tx *Tx, path string, cascade bool) error {
	if path == "" {
		return fmt.Errorf("the default dataspace cannot be deleted: %w", ErrInvalid)
	}
	if err := checkKey("dataspace path", path, false); err != nil {
		return err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.require(path); err != nil {
		return err
	}
	var uris []string
	var keys []ArrayKey
	err := db.view(func(s snap) error {
		if _, ok, err := tx.lookupDS(s, path); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("dataspace %q: %w", path, ErrNotFound)
		}
		if tx.auto {
			// apply re-checks and cascades authoritatively; nothing to show.
			if !cascade && s.hasContent(path) {
				return fmt.Errorf("dataspace %q holds data objects or arrays: %w", path, ErrNotEmpty)
			}
			return nil
		}
		var err error
		uris, keys, err = tx.contentOf(s, path)
		return err
	})
	if err != nil {
		return err
	}
	if !cascade && len(uris)+len(keys) > 0 {
		return fmt.Errorf("dataspace %q holds %d data objects and %d arrays: %w", path, len(uris), len(keys), ErrNotEmpty)
	}
	for _, uri := range uris {
		tx.objOps[uri] = &objOp{del: true, rec: objRec{ds: path}}
	}
	for _, k := range keys {
		tx.setArrDel(k, path)
	}
	tx.dsOps[path] = &dsOp{del: true, cascade: cascade}
	return nil
}

// contentOf lists the visible objects and arrays of dataspace ds.
func (tx *Tx) contentOf(s snap, ds string) ([]string, []ArrayKey, error) {
	var uris []string
	if err := s.objectsIn(ds, func(uri string) error {
		if tx.objOps[uri] == nil {
			uris = append(uris, uri)
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	for uri, op := range tx.objOps {
		if !op.del && op.rec.ds == ds {
			uris = append(uris, uri)
		}
	}
	var keys []ArrayKey
	if err := s.arraysIn(ds, func(k ArrayKey) error {
		if op := tx.arrOps[string(arrKey(k))]; op == nil || op.touch {
			keys = append(keys, k)
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	for _, op := range tx.arrOps {
		if !op.del && !op.touch && op.rec.ds == ds {
			keys = append(keys, op.key)
		}
	}
	return uris, keys, nil
}

// Objects.

func (db *DB) getObject(tx *Tx, uri string, withData bool) (Object, error) {
	tx.lock()
	defer tx.unlock()
	var o Object
	err := db.view(func(s snap) error {
		rec, op, ok, err := tx.lookupObj(s, uri)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("data object %s: %w", uri, ErrNotFound)
		}
		o.ObjectInfo = rec.public(uri)
		if withData {
			if op != nil {
				o.Data = slices.Clone(op.data)
			} else {
				o.Data = s.getObjData(uri)
			}
		}
		return nil
	})
	return o, err
}

func (db *DB) listObjects(tx *Tx, ds string, f ObjectFilter) ([]ObjectInfo, bool, error) {
	if err := checkKey("dataspace path", ds, true); err != nil {
		return nil, false, err
	}
	tx.lock()
	defer tx.unlock()
	var over []string // overlay URIs of ds after f.After, sorted
	if tx != nil {
		for uri, op := range tx.objOps {
			if op.rec.ds == ds && uri > f.After {
				over = append(over, uri)
			}
		}
		slices.Sort(over)
	}
	var out []ObjectInfo
	more := false
	// emit adds a candidate; it returns true when the listing is complete.
	emit := func(uri string, r *objRec) bool {
		if !f.match(r) {
			return false
		}
		if f.Limit > 0 && len(out) == f.Limit {
			more = true
			return true
		}
		out = append(out, r.public(uri))
		return false
	}
	err := db.view(func(s snap) error {
		if _, ok, err := tx.lookupDS(s, ds); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("dataspace %q: %w", ds, ErrNotFound)
		}
		prefix := dsPrefix(ds)
		c := s.objByDS.Cursor()
		k, _ := c.Seek(append(slices.Clone(prefix), f.After...))
		if f.After != "" && k != nil && bytes.HasPrefix(k, prefix) && string(k[len(prefix):]) == f.After {
			k, _ = c.Next()
		}
		oi := 0
		for {
			inC := k != nil && bytes.HasPrefix(k, prefix)
			var cu string
			if inC {
				cu = string(k[len(prefix):])
			}
			if !inC && oi == len(over) {
				return nil
			}
			if oi < len(over) && (!inC || over[oi] <= cu) {
				uri := over[oi]
				oi++
				if inC && uri == cu {
					k, _ = c.Next()
				}
				op := tx.objOps[uri]
				if !op.del && emit(uri, &op.rec) {
					return nil
				}
				continue
			}
			k, _ = c.Next()
			if tx != nil && tx.objOps[cu] != nil {
				continue // overlaid under another dataspace: shown there or deleted
			}
			rec, ok, err := s.getObj(cu)
			if err != nil {
				return err
			}
			if ok && emit(cu, &rec) {
				return nil
			}
		}
	})
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}

func (db *DB) putObject(tx *Tx, o *Object) (*objOp, error) {
	if err := checkKey("data object uri", o.URI, false); err != nil {
		return nil, err
	}
	if err := checkKey("dataspace path", o.Dataspace, true); err != nil {
		return nil, err
	}
	if m := db.opts.MaxObjectBytes; m > 0 && int64(len(o.Data)) > m {
		return nil, fmt.Errorf("data object of %d bytes exceeds the limit of %d: %w", len(o.Data), m, ErrTooLarge)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.require(o.Dataspace); err != nil {
		return nil, err
	}
	now := db.stamp()
	rec := objRec{ds: o.Dataspace, typ: o.Type, uuid: o.UUID, title: o.Title,
		lastChanged: o.LastChanged, created: now, lastWrite: now,
		custom: slices.Clone(o.CustomData), size: int64(len(o.Data))}
	auto := o.LastChanged == 0
	if auto {
		rec.lastChanged = now
	}
	err := db.view(func(s snap) error {
		if _, ok, err := tx.lookupDS(s, o.Dataspace); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("dataspace %q: %w", o.Dataspace, ErrNotFound)
		}
		old, _, ok, err := tx.lookupObj(s, o.URI)
		if err != nil {
			return err
		}
		if ok {
			if old.ds != o.Dataspace {
				return fmt.Errorf("already stored in dataspace %q, not %q: %w", old.ds, o.Dataspace, ErrInvalid)
			}
			rec.created = old.created
		}
		return tx.arraysOf(s, o.URI, func(k ArrayKey, r *arrRec) error {
			if r.ds != o.Dataspace {
				return fmt.Errorf("its array %q is in dataspace %q, not %q: %w", k.Path, r.ds, o.Dataspace, ErrInvalid)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	op := &objOp{rec: rec, autoChanged: auto, data: slices.Clone(o.Data)}
	tx.objOps[o.URI] = op
	return op, nil
}

func (db *DB) deleteObject(tx *Tx, uri string) error {
	if err := checkKey("data object uri", uri, false); err != nil {
		return err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	var ds string
	var keys []ArrayKey
	err := db.view(func(s snap) error {
		old, _, ok, err := tx.lookupObj(s, uri)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("data object %s: %w", uri, ErrNotFound)
		}
		ds = old.ds
		if tx.auto {
			return nil // apply deletes the arrays
		}
		return tx.arraysOf(s, uri, func(k ArrayKey, r *arrRec) error {
			if err := tx.require(r.ds); err != nil {
				return fmt.Errorf("array %q: %w", k.Path, err)
			}
			keys = append(keys, k)
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := tx.require(ds); err != nil {
		return err
	}
	for _, k := range keys {
		tx.setArrDel(k, ds)
	}
	tx.objOps[uri] = &objOp{del: true, rec: objRec{ds: ds}}
	return nil
}

// Arrays.

func (db *DB) getArrayMeta(tx *Tx, k ArrayKey) (ArrayMeta, error) {
	if err := checkArrayKey(k); err != nil {
		return ArrayMeta{}, err
	}
	tx.lock()
	defer tx.unlock()
	var rec arrRec
	var ok bool
	err := db.view(func(s snap) (err error) {
		rec, _, ok, err = tx.lookupArr(s, k)
		return err
	})
	if err != nil {
		return ArrayMeta{}, err
	}
	if !ok {
		return ArrayMeta{}, fmt.Errorf("data array %s: %w", k, ErrNotFound)
	}
	return rec.public(), nil
}

func (db *DB) listArrays(tx *Tx, uri string) ([]Array, error) {
	if err := checkKey("data object uri", uri, false); err != nil {
		return nil, err
	}
	tx.lock()
	defer tx.unlock()
	var out []Array
	err := db.view(func(s snap) error {
		return tx.arraysOf(s, uri, func(k ArrayKey, r *arrRec) error {
			out = append(out, Array{Key: k, Meta: r.public()})
			return nil
		})
	})
	return out, err
}

// checkArrayPlace validates where a new array goes against the Tx's view and
// returns its record (without file); the caller holds tx.mu.
func (db *DB) checkArrayPlace(tx *Tx, k ArrayKey, m *ArrayMeta) (arrRec, error) {
	if err := tx.require(m.Dataspace); err != nil {
		return arrRec{}, err
	}
	now := db.stamp()
	rec := arrRec{ds: m.Dataspace, kind: m.Kind, transport: m.TransportArrayType, logical: m.LogicalArrayType,
		dims: slices.Clone(m.Dimensions), preferred: slices.Clone(m.PreferredSubarrayDimensions),
		created: now, lastWrite: now, custom: slices.Clone(m.CustomData)}
	err := db.view(func(s snap) error {
		if _, ok, err := tx.lookupDS(s, m.Dataspace); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("dataspace %q: %w", m.Dataspace, ErrNotFound)
		}
		if o, _, ok, err := tx.lookupObj(s, k.URI); err != nil {
			return err
		} else if ok && o.ds != m.Dataspace {
			return fmt.Errorf("its data object is in dataspace %q, not %q: %w", o.ds, m.Dataspace, ErrInvalid)
		}
		old, _, ok, err := tx.lookupArr(s, k)
		if ok {
			rec.created = old.created
		}
		return err
	})
	return rec, err
}

// createArray creates (or replaces) array k in a new file; data, if fill, is
// its whole payload, otherwise the file is sparse (reads as zeros).
func (db *DB) createArray(tx *Tx, k ArrayKey, m *ArrayMeta, data []byte, fill bool) (*arrOp, error) {
	if err := checkArrayKey(k); err != nil {
		return nil, err
	}
	size, err := checkArrayMeta(m, db.opts.MaxArrayBytes)
	if err != nil {
		return nil, err
	}
	if fill && int64(len(data)) != size {
		return nil, fmt.Errorf("%d bytes of data for an array of %d bytes (dimensions %v, %s): %w", len(data), size, m.Dimensions, m.Kind, ErrInvalid)
	}
	tx.mu.Lock()
	_, err = db.checkArrayPlace(tx, k, m)
	tx.mu.Unlock()
	if err != nil {
		return nil, err
	}
	id, f, err := db.createFile(size)
	if err != nil {
		return nil, err
	}
	if fill && size > 0 {
		if _, err := f.WriteAt(data, 0); err != nil {
			_ = f.Close()
			_ = os.Remove(db.filePath(id))
			return nil, fmt.Errorf("write array file: %w", err)
		}
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	rec, err := db.checkArrayPlace(tx, k, m) // again: the Tx may have changed meanwhile
	if err != nil {
		_ = f.Close()
		_ = os.Remove(db.filePath(id))
		return nil, err
	}
	rec.file = id
	ks := string(arrKey(k))
	if op := tx.arrOps[ks]; op != nil && op.txf != nil {
		op.txf.dead = true
	}
	tf := &txFile{id: id, f: f}
	tx.files[id] = tf
	op := &arrOp{key: k, rec: rec, txf: tf}
	tx.arrOps[ks] = op
	return op, nil
}

func (db *DB) deleteArray(tx *Tx, k ArrayKey) error {
	if err := checkArrayKey(k); err != nil {
		return err
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	var rec arrRec
	var ok bool
	err := db.view(func(s snap) (err error) {
		rec, _, ok, err = tx.lookupArr(s, k)
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("data array %s: %w", k, ErrNotFound)
	}
	if err := tx.require(rec.ds); err != nil {
		return err
	}
	tx.setArrDel(k, rec.ds)
	return nil
}

// maxFileRetries bounds how often a block operation re-reads metadata after
// finding that the array's file was replaced under it.
const maxFileRetries = 8

func (db *DB) readBlock(tx *Tx, k ArrayKey, starts, counts []int64, dst []byte) error {
	if err := checkArrayKey(k); err != nil {
		return err
	}
	for range maxFileRetries {
		tx.lock()
		var rec arrRec
		var op *arrOp
		var ok bool
		err := db.view(func(s snap) (err error) {
			rec, op, ok, err = tx.lookupArr(s, k)
			return err
		})
		var f *os.File
		if op != nil && op.txf != nil {
			f = op.txf.f // lives until the Tx ends; the caller holds tx.rw
		}
		tx.unlock()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("data array %s: %w", k, ErrNotFound)
		}
		b, err := newBox(rec.dims, starts, counts, int64(rec.kind.Size()), len(dst))
		if err != nil {
			return err
		}
		if f != nil {
			return readRuns(f, &b, dst)
		}
		af, err := db.acquire(rec.file, rec.byteSize())
		if errors.Is(err, fs.ErrNotExist) {
			continue // replaced or deleted after we read the metadata
		}
		if err != nil {
			return fmt.Errorf("open array file: %w", err)
		}
		err = readRuns(af.f, &b, dst)
		db.release(af)
		return err
	}
	return fmt.Errorf("data array %s kept changing during the read: %w", k, ErrBusy)
}

func (db *DB) writeBlock(tx *Tx, k ArrayKey, starts, counts []int64, src []byte) error {
	if err := checkArrayKey(k); err != nil {
		return err
	}
	tx.mu.Lock()
	locked := true
	defer func() {
		if locked {
			tx.mu.Unlock()
		}
	}()
	var rec arrRec
	var op *arrOp
	var ok bool
	err := db.view(func(s snap) (err error) {
		rec, op, ok, err = tx.lookupArr(s, k)
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("data array %s: %w", k, ErrNotFound)
	}
	if err := tx.require(rec.ds); err != nil {
		return err
	}
	b, err := newBox(rec.dims, starts, counts, int64(rec.kind.Size()), len(src))
	if err != nil {
		return err
	}
	var f *os.File
	switch {
	case op != nil && op.txf != nil:
		// The array's payload is already private to this Tx.
		op.rec.lastWrite = db.stamp()
		f = op.txf.f
	case tx.auto:
		// Auto-commit: write in place into the committed file.
		locked = false
		tx.mu.Unlock()
		af, err := db.acquire(rec.file, rec.byteSize())
		if errors.Is(err, fs.ErrNotExist) {
			return errSpaceMoved // replaced meanwhile: the caller retries
		}
		if err != nil {
			return fmt.Errorf("open array file: %w", err)
		}
		err = writeRuns(af.f, &b, src)
		tx.mu.Lock()
		locked = true
		tx.inplace = append(tx.inplace, af)
		if err != nil {
			return err
		}
		tx.arrOps[string(arrKey(k))] = &arrOp{key: k, touch: true, rec: rec}
		return nil
	default:
		// First write of this Tx into a committed array: copy on write.
		id, nf, err := db.createFile(rec.byteSize())
		if err != nil {
			return err
		}
		if err := db.copyPayload(rec.file, nf, rec.byteSize()); err != nil {
			_ = nf.Close()
			_ = os.Remove(db.filePath(id))
			return err
		}
		rec.file = id
		rec.lastWrite = db.stamp()
		tf := &txFile{id: id, f: nf}
		tx.files[id] = tf
		tx.arrOps[string(arrKey(k))] = &arrOp{key: k, rec: rec, txf: tf}
		f = nf
	}
	locked = false
	tx.mu.Unlock()
	return writeRuns(f, &b, src)
}

func readRuns(f *os.File, b *box, dst []byte) error {
	return b.runs(func(off, boff, n int64) error {
		if _, err := f.ReadAt(dst[boff:boff+n], off); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("read array file at offset %d: %w", off, err)
		}
		return nil
	})
}

func writeRuns(f *os.File, b *box, src []byte) error {
	return b.runs(func(off, boff, n int64) error {
		if _, err := f.WriteAt(src[boff:boff+n], off); err != nil {
			return fmt.Errorf("write array file at offset %d: %w", off, err)
		}
		return nil
	})
}
