package storage

import (
	"errors"
	"fmt"
)

// ReadWriter is the set of read and write methods offered by both *DB
// (auto-committed writes) and *Tx (writes inside a transaction), so that a
// server can serve a request the same way in and out of a transaction.
// See the methods of DB for the contract of each.
type ReadWriter interface {
	GetDataspace(path string) (Dataspace, error)
	ListDataspaces(f DataspaceFilter) (list []Dataspace, more bool, err error)
	PutDataspace(d Dataspace) (Dataspace, error)
	DeleteDataspace(path string, cascade bool) error

	GetObject(uri string) (Object, error)
	GetObjectInfo(uri string) (ObjectInfo, error)
	ListObjects(dataspace string, f ObjectFilter) (list []ObjectInfo, more bool, err error)
	PutObject(o Object) (ObjectInfo, error)
	DeleteObject(uri string) error

	CreateArray(key ArrayKey, meta ArrayMeta) (ArrayMeta, error)
	PutArray(key ArrayKey, meta ArrayMeta, data []byte) (ArrayMeta, error)
	GetArrayMeta(key ArrayKey) (ArrayMeta, error)
	ListArrays(uri string) ([]Array, error)
	ReadBlock(key ArrayKey, starts, counts []int64, dst []byte) error
	WriteBlock(key ArrayKey, starts, counts []int64, src []byte) error
	DeleteArray(key ArrayKey) error
}

var (
	_ ReadWriter = (*DB)(nil)
	_ ReadWriter = (*Tx)(nil)
)

func opErr(op, what string, err error) error {
	return fmt.Errorf("storage: %s %s: %w", op, what, err)
}

// autoWrite runs fn in a private Tx holding the shared write lock of spaces
// and commits it.
func (db *DB) autoWrite(spaces []string, fn func(tx *Tx) error) error {
	if err := db.lockShared(spaces); err != nil {
		return err
	}
	defer db.unlockShared(spaces)
	tx := newTx(db, true, spaces)
	if err := fn(tx); err != nil {
		_ = tx.rollbackLocked()
		return err
	}
	return tx.commitLocked()
}

// autoWriteAt is autoWrite for an item addressed by key, whose dataspace peek
// reads from committed state; it retries if the item moves meanwhile.
func (db *DB) autoWriteAt(peek func(s snap) (string, error), fn func(tx *Tx) error) error {
	for range maxFileRetries {
		var ds string
		if err := db.view(func(s snap) (err error) {
			ds, err = peek(s)
			return err
		}); err != nil {
			return err
		}
		err := db.autoWrite([]string{ds}, fn)
		if !errors.Is(err, errSpaceMoved) {
			return err
		}
	}
	return fmt.Errorf("item kept changing concurrently: %w", ErrBusy)
}

func peekObject(uri string) func(s snap) (string, error) {
	return func(s snap) (string, error) {
		r, ok, err := s.getObj(uri)
		if err == nil && !ok {
			err = fmt.Errorf("data object %s: %w", uri, ErrNotFound)
		}
		return r.ds, err
	}
}

func peekArray(k ArrayKey) func(s snap) (string, error) {
	return func(s snap) (string, error) {
		r, ok, err := s.getArr(k)
		if err == nil && !ok {
			err = fmt.Errorf("data array %s: %w", k, ErrNotFound)
		}
		return r.ds, err
	}
}

// GetDataspace returns the dataspace with the given path ("" = default).
// Missing: ErrNotFound.
func (db *DB) GetDataspace(path string) (Dataspace, error) {
	if err := db.enter(); err != nil {
		return Dataspace{}, opErr("get dataspace", fmt.Sprintf("%q", path), err)
	}
	defer db.rw.RUnlock()
	d, err := db.getDataspace(nil, path)
	if err != nil {
		return Dataspace{}, opErr("get dataspace", fmt.Sprintf("%q", path), err)
	}
	return d, nil
}

// ListDataspaces returns the dataspaces selected by f, sorted by path (the
// default dataspace "" first). more reports that f.Limit cut the list.
func (db *DB) ListDataspaces(f DataspaceFilter) ([]Dataspace, bool, error) {
	if err := db.enter(); err != nil {
		return nil, false, opErr("list", "dataspaces", err)
	}
	defer db.rw.RUnlock()
	l, more, err := db.listDataspaces(nil, f)
	if err != nil {
		return nil, false, opErr("list", "dataspaces", err)
	}
	return l, more, nil
}

// PutDataspace creates the dataspace d.Path or, if it exists, replaces its
// CustomData; it returns the stored dataspace. The store sets the times.
// (ETP servers that must refuse to re-create an existing dataspace check
// GetDataspace first.) A dataspace held by a transaction: ErrBusy.
func (db *DB) PutDataspace(d Dataspace) (Dataspace, error) {
	what := fmt.Sprintf("%q", d.Path)
	if err := db.enter(); err != nil {
		return Dataspace{}, opErr("put dataspace", what, err)
	}
	defer db.rw.RUnlock()
	var op *dsOp
	err := db.autoWrite([]string{d.Path}, func(tx *Tx) (err error) {
		op, err = db.putDataspace(tx, d)
		return err
	})
	if err != nil {
		return Dataspace{}, opErr("put dataspace", what, err)
	}
	return op.rec.public(d.Path), nil
}

// DeleteDataspace deletes a dataspace. If it still holds data objects or
// arrays it fails with ErrNotEmpty unless cascade is true, in which case they
// are all deleted with it, atomically. The default dataspace "" cannot be
// deleted (ErrInvalid). Missing: ErrNotFound. Held by a transaction: ErrBusy.
func (db *DB) DeleteDataspace(path string, cascade bool) error {
	what := fmt.Sprintf("%q", path)
	if err := db.enter(); err != nil {
		return opErr("delete dataspace", what, err)
	}
	defer db.rw.RUnlock()
	if err := db.autoWrite([]string{path}, func(tx *Tx) error { return db.deleteDataspace(tx, path, cascade) }); err != nil {
		return opErr("delete dataspace", what, err)
	}
	return nil
}

// GetObject returns the data object stored under uri with its XML bytes.
// Missing: ErrNotFound.
func (db *DB) GetObject(uri string) (Object, error) {
	if err := db.enter(); err != nil {
		return Object{}, opErr("get data object", uri, err)
	}
	defer db.rw.RUnlock()
	o, err := db.getObject(nil, uri, true)
	if err != nil {
		return Object{}, opErr("get data object", uri, err)
	}
	return o, nil
}

// GetObjectInfo is GetObject without the XML bytes.
func (db *DB) GetObjectInfo(uri string) (ObjectInfo, error) {
	if err := db.enter(); err != nil {
		return ObjectInfo{}, opErr("get data object", uri, err)
	}
	defer db.rw.RUnlock()
	o, err := db.getObject(nil, uri, false)
	if err != nil {
		return ObjectInfo{}, opErr("get data object", uri, err)
	}
	return o.ObjectInfo, nil
}

// ListObjects returns the data objects of dataspace ds selected by f, sorted
// by URI, without their XML bytes. more reports that f.Limit cut the list;
// pass the last URI as f.After to get the next page. A missing dataspace:
// ErrNotFound.
func (db *DB) ListObjects(ds string, f ObjectFilter) ([]ObjectInfo, bool, error) {
	what := fmt.Sprintf("of dataspace %q", ds)
	if err := db.enter(); err != nil {
		return nil, false, opErr("list data objects", what, err)
	}
	defer db.rw.RUnlock()
	l, more, err := db.listObjects(nil, ds, f)
	if err != nil {
		return nil, false, opErr("list data objects", what, err)
	}
	return l, more, nil
}

// PutObject stores o under o.URI (upsert) in dataspace o.Dataspace, which
// must exist (the default "" always does); it returns the stored description.
// The store sets StoreCreated (kept on update), StoreLastWrite and Size; a
// zero LastChanged becomes the write time. An object cannot move to another
// dataspace, nor join arrays of another dataspace (ErrInvalid). Data above
// Options.MaxObjectBytes: ErrTooLarge. Dataspace held by a transaction:
// ErrBusy.
func (db *DB) PutObject(o Object) (ObjectInfo, error) {
	if err := db.enter(); err != nil {
		return ObjectInfo{}, opErr("put data object", o.URI, err)
	}
	defer db.rw.RUnlock()
	var op *objOp
	err := db.autoWrite([]string{o.Dataspace}, func(tx *Tx) (err error) {
		op, err = db.putObject(tx, &o)
		return err
	})
	if err != nil {
		return ObjectInfo{}, opErr("put data object", o.URI, err)
	}
	return op.rec.public(o.URI), nil
}

// DeleteObject deletes the data object uri and every array whose key URI is
// uri, atomically. Missing object: ErrNotFound (its arrays, if any, stay;
// delete them with DeleteArray). Dataspace held by a transaction: ErrBusy.
func (db *DB) DeleteObject(uri string) error {
	if err := db.enter(); err != nil {
		return opErr("delete data object", uri, err)
	}
	defer db.rw.RUnlock()
	if err := db.autoWriteAt(peekObject(uri), func(tx *Tx) error { return db.deleteObject(tx, uri) }); err != nil {
		return opErr("delete data object", uri, err)
	}
	return nil
}

// CreateArray creates the array key with metadata meta and undefined
// contents (they read as zeros: the file is sparse, so even a huge array is
// created at once), replacing any existing array with that key. It returns
// the stored metadata. Validation: ErrInvalid for bad dimensions, an unknown
// kind or a dataspace that differs from the owning object's; ErrUnsupported
// for KindString; ErrTooLarge above Options.MaxArrayBytes; ErrNotFound for a
// missing dataspace; ErrBusy if a transaction holds it.
func (db *DB) CreateArray(key ArrayKey, meta ArrayMeta) (ArrayMeta, error) {
	return db.putArray("create data array", key, &meta, nil, false)
}

// PutArray is CreateArray with the whole payload, data (row-major,
// little-endian, exactly ByteSize bytes, else ErrInvalid). Readers see either
// the old array or the complete new one.
func (db *DB) PutArray(key ArrayKey, meta ArrayMeta, data []byte) (ArrayMeta, error) {
	return db.putArray("put data array", key, &meta, data, true)
}

func (db *DB) putArray(name string, key ArrayKey, meta *ArrayMeta, data []byte, fill bool) (ArrayMeta, error) {
	if err := db.enter(); err != nil {
		return ArrayMeta{}, opErr(name, key.String(), err)
	}
	defer db.rw.RUnlock()
	var op *arrOp
	err := db.autoWrite([]string{meta.Dataspace}, func(tx *Tx) (err error) {
		op, err = db.createArray(tx, key, meta, data, fill)
		return err
	})
	if err != nil {
		return ArrayMeta{}, opErr(name, key.String(), err)
	}
	return op.rec.public(), nil
}

// GetArrayMeta returns the metadata of array key. Missing: ErrNotFound.
func (db *DB) GetArrayMeta(key ArrayKey) (ArrayMeta, error) {
	if err := db.enter(); err != nil {
		return ArrayMeta{}, opErr("get data array metadata", key.String(), err)
	}
	defer db.rw.RUnlock()
	m, err := db.getArrayMeta(nil, key)
	if err != nil {
		return ArrayMeta{}, opErr("get data array metadata", key.String(), err)
	}
	return m, nil
}

// ListArrays returns the arrays whose key URI is uri, sorted by path. The
// data object uri need not exist.
func (db *DB) ListArrays(uri string) ([]Array, error) {
	if err := db.enter(); err != nil {
		return nil, opErr("list data arrays of", uri, err)
	}
	defer db.rw.RUnlock()
	l, err := db.listArrays(nil, uri)
	if err != nil {
		return nil, opErr("list data arrays of", uri, err)
	}
	return l, nil
}

// ReadBlock reads the row-major sub-box of array key that starts at starts
// and spans counts elements per dimension (ETP GetDataSubarrays) into dst,
// which must be exactly the box's byte size. Empty starts and counts read the
// whole array. It issues one ReadAt per contiguous run of the box (trailing
// dimensions covered completely coalesce; a box of full rows is one call).
// Errors: ErrNotFound, ErrInvalid for starts/counts outside the dimensions
// or a wrong dst length.
func (db *DB) ReadBlock(key ArrayKey, starts, counts []int64, dst []byte) error {
	if err := db.enter(); err != nil {
		return opErr("read data array block of", key.String(), err)
	}
	defer db.rw.RUnlock()
	if err := db.readBlock(nil, key, starts, counts, dst); err != nil {
		return opErr("read data array block of", key.String(), err)
	}
	return nil
}

// WriteBlock writes src into the sub-box of array key given by starts and
// counts (ETP PutDataSubarrays); the same rules as ReadBlock apply. Outside a
// transaction the block is written in place, then the array's
// StoreLastWrite is committed. If the process dies during a WriteBlock that
// has not returned, each byte of that block holds its old or its new value;
// everything else is untouched. Concurrent WriteBlocks of disjoint boxes of
// one array are safe. Dataspace held by a transaction: ErrBusy.
func (db *DB) WriteBlock(key ArrayKey, starts, counts []int64, src []byte) error {
	if err := db.enter(); err != nil {
		return opErr("write data array block of", key.String(), err)
	}
	defer db.rw.RUnlock()
	if err := db.autoWriteAt(peekArray(key), func(tx *Tx) error { return db.writeBlock(tx, key, starts, counts, src) }); err != nil {
		return opErr("write data array block of", key.String(), err)
	}
	return nil
}

// DeleteArray deletes array key and its payload file. Missing: ErrNotFound.
// Dataspace held by a transaction: ErrBusy.
func (db *DB) DeleteArray(key ArrayKey) error {
	if err := db.enter(); err != nil {
		return opErr("delete data array", key.String(), err)
	}
	defer db.rw.RUnlock()
	if err := db.autoWriteAt(peekArray(key), func(tx *Tx) error { return db.deleteArray(tx, key) }); err != nil {
		return opErr("delete data array", key.String(), err)
	}
	return nil
}

// Tx methods: the same contracts as the DB methods of the same name, inside
// the transaction, except that writes outside the Tx's dataspaces fail with
// ErrInvalid and never with ErrBusy.

// GetDataspace is DB.GetDataspace seeing the Tx's own writes.
func (tx *Tx) GetDataspace(path string) (Dataspace, error) {
	end, err := tx.begin()
	if err != nil {
		return Dataspace{}, opErr("get dataspace", fmt.Sprintf("%q", path), err)
	}
	defer end()
	d, err := tx.db.getDataspace(tx, path)
	if err != nil {
		return Dataspace{}, opErr("get dataspace", fmt.Sprintf("%q", path), err)
	}
	return d, nil
}

// ListDataspaces is DB.ListDataspaces seeing the Tx's own writes.
func (tx *Tx) ListDataspaces(f DataspaceFilter) ([]Dataspace, bool, error) {
	end, err := tx.begin()
	if err != nil {
		return nil, false, opErr("list", "dataspaces", err)
	}
	defer end()
	l, more, err := tx.db.listDataspaces(tx, f)
	if err != nil {
		return nil, false, opErr("list", "dataspaces", err)
	}
	return l, more, nil
}

// PutDataspace is DB.PutDataspace inside the Tx; d.Path must be held.
func (tx *Tx) PutDataspace(d Dataspace) (Dataspace, error) {
	what := fmt.Sprintf("%q", d.Path)
	end, err := tx.begin()
	if err != nil {
		return Dataspace{}, opErr("put dataspace", what, err)
	}
	defer end()
	op, err := tx.db.putDataspace(tx, d)
	if err != nil {
		return Dataspace{}, opErr("put dataspace", what, err)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return op.rec.public(d.Path), nil
}

// DeleteDataspace is DB.DeleteDataspace inside the Tx; path must be held.
func (tx *Tx) DeleteDataspace(path string, cascade bool) error {
	what := fmt.Sprintf("%q", path)
	end, err := tx.begin()
	if err != nil {
		return opErr("delete dataspace", what, err)
	}
	defer end()
	if err := tx.db.deleteDataspace(tx, path, cascade); err != nil {
		return opErr("delete dataspace", what, err)
	}
	return nil
}

// GetObject is DB.GetObject seeing the Tx's own writes.
func (tx *Tx) GetObject(uri string) (Object, error) {
	end, err := tx.begin()
	if err != nil {
		return Object{}, opErr("get data object", uri, err)
	}
	defer end()
	o, err := tx.db.getObject(tx, uri, true)
	if err != nil {
		return Object{}, opErr("get data object", uri, err)
	}
	return o, nil
}

// GetObjectInfo is DB.GetObjectInfo seeing the Tx's own writes.
func (tx *Tx) GetObjectInfo(uri string) (ObjectInfo, error) {
	end, err := tx.begin()
	if err != nil {
		return ObjectInfo{}, opErr("get data object", uri, err)
	}
	defer end()
	o, err := tx.db.getObject(tx, uri, false)
	if err != nil {
		return ObjectInfo{}, opErr("get data object", uri, err)
	}
	return o.ObjectInfo, nil
}

// ListObjects is DB.ListObjects seeing the Tx's own writes.
func (tx *Tx) ListObjects(ds string, f ObjectFilter) ([]ObjectInfo, bool, error) {
	what := fmt.Sprintf("of dataspace %q", ds)
	end, err := tx.begin()
	if err != nil {
		return nil, false, opErr("list data objects", what, err)
	}
	defer end()
	l, more, err := tx.db.listObjects(tx, ds, f)
	if err != nil {
		return nil, false, opErr("list data objects", what, err)
	}
	return l, more, nil
}

// PutObject is DB.PutObject inside the Tx; o.Dataspace must be held.
func (tx *Tx) PutObject(o Object) (ObjectInfo, error) {
	end, err := tx.begin()
	if err != nil {
		return ObjectInfo{}, opErr("put data object", o.URI, err)
	}
	defer end()
	op, err := tx.db.putObject(tx, &o)
	if err != nil {
		return ObjectInfo{}, opErr("put data object", o.URI, err)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return op.rec.public(o.URI), nil
}

// DeleteObject is DB.DeleteObject inside the Tx; the object's dataspace must
// be held.
func (tx *Tx) DeleteObject(uri string) error {
	end, err := tx.begin()
	if err != nil {
		return opErr("delete data object", uri, err)
	}
	defer end()
	if err := tx.db.deleteObject(tx, uri); err != nil {
		return opErr("delete data object", uri, err)
	}
	return nil
}

// CreateArray is DB.CreateArray inside the Tx: the array gets a new file,
// visible to others only after Commit; meta.Dataspace must be held.
func (tx *Tx) CreateArray(key ArrayKey, meta ArrayMeta) (ArrayMeta, error) {
	return tx.putArray("create data array", key, &meta, nil, false)
}

// PutArray is DB.PutArray inside the Tx; meta.Dataspace must be held.
func (tx *Tx) PutArray(key ArrayKey, meta ArrayMeta, data []byte) (ArrayMeta, error) {
	return tx.putArray("put data array", key, &meta, data, true)
}

func (tx *Tx) putArray(name string, key ArrayKey, meta *ArrayMeta, data []byte, fill bool) (ArrayMeta, error) {
	end, err := tx.begin()
	if err != nil {
		return ArrayMeta{}, opErr(name, key.String(), err)
	}
	defer end()
	op, err := tx.db.createArray(tx, key, meta, data, fill)
	if err != nil {
		return ArrayMeta{}, opErr(name, key.String(), err)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return op.rec.public(), nil
}

// GetArrayMeta is DB.GetArrayMeta seeing the Tx's own writes.
func (tx *Tx) GetArrayMeta(key ArrayKey) (ArrayMeta, error) {
	end, err := tx.begin()
	if err != nil {
		return ArrayMeta{}, opErr("get data array metadata", key.String(), err)
	}
	defer end()
	m, err := tx.db.getArrayMeta(tx, key)
	if err != nil {
		return ArrayMeta{}, opErr("get data array metadata", key.String(), err)
	}
	return m, nil
}

// ListArrays is DB.ListArrays seeing the Tx's own writes.
func (tx *Tx) ListArrays(uri string) ([]Array, error) {
	end, err := tx.begin()
	if err != nil {
		return nil, opErr("list data arrays of", uri, err)
	}
	defer end()
	l, err := tx.db.listArrays(tx, uri)
	if err != nil {
		return nil, opErr("list data arrays of", uri, err)
	}
	return l, nil
}

// ReadBlock is DB.ReadBlock seeing the Tx's own writes.
func (tx *Tx) ReadBlock(key ArrayKey, starts, counts []int64, dst []byte) error {
	end, err := tx.begin()
	if err != nil {
		return opErr("read data array block of", key.String(), err)
	}
	defer end()
	if err := tx.db.readBlock(tx, key, starts, counts, dst); err != nil {
		return opErr("read data array block of", key.String(), err)
	}
	return nil
}

// WriteBlock is DB.WriteBlock inside the Tx; the array's dataspace must be
// held. An array created in the Tx is written in place; the first write into
// an array committed before copies it (see Tx).
func (tx *Tx) WriteBlock(key ArrayKey, starts, counts []int64, src []byte) error {
	end, err := tx.begin()
	if err != nil {
		return opErr("write data array block of", key.String(), err)
	}
	defer end()
	if err := tx.db.writeBlock(tx, key, starts, counts, src); err != nil {
		return opErr("write data array block of", key.String(), err)
	}
	return nil
}

// DeleteArray is DB.DeleteArray inside the Tx; the array's dataspace must be
// held.
func (tx *Tx) DeleteArray(key ArrayKey) error {
	end, err := tx.begin()
	if err != nil {
		return opErr("delete data array", key.String(), err)
	}
	defer end()
	if err := tx.db.deleteArray(tx, key); err != nil {
		return opErr("delete data array", key.String(), err)
	}
	return nil
}
