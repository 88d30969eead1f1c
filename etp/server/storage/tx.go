package storage

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Tx is a write transaction over a set of dataspaces (ETP 1.2 protocol 18).
// It offers the same methods as DB (see ReadWriter). Its writes are invisible
// to everyone else until Commit and are gone after Rollback; its reads see
// its own writes, and committed data elsewhere.
//
// Writes through a Tx are allowed only in the dataspaces it holds (ErrInvalid
// otherwise). Data objects and array metadata written in a Tx are buffered in
// memory until Commit. Arrays created in a Tx go to new files. The first
// write into an array that existed before the Tx copies its payload to a new
// file (copy-on-write), so that readers see the original until Commit. The
// copy costs time and disk space proportional to the written part of the
// array (holes of a sparse file stay holes where the file system reports
// them, else the whole size), once per array per Tx; writing the blocks of a
// large array in the same Tx that creates it avoids the copy. Store times returned inside a Tx are provisional;
// Commit sets them to the commit time.
//
// Concurrency: a Tx may be used by many goroutines at once. Commit and
// Rollback wait for calls in progress on the Tx; afterwards every method
// fails with ErrClosed.
type Tx struct {
	db     *DB
	auto   bool     // auto-commit of a single DB call: shared locks, in-place writes
	spaces []string // sorted, unique
	held   map[string]struct{}

	rw sync.RWMutex // explicit Tx: calls hold RLock, Commit/Rollback hold Lock

	mu      sync.Mutex // guards the fields below
	done    bool
	dsOps   map[string]*dsOp
	objOps  map[string]*objOp
	arrOps  map[string]*arrOp // key: string(arrKey(key))
	files   map[string]*txFile
	inplace []*arrayFile // auto: committed files written in place
}

type dsOp struct {
	del, cascade bool
	rec          dsRec
}

type objOp struct {
	del         bool
	autoChanged bool // lastChanged was 0: use the write time
	rec         objRec
	data        []byte
}

type arrOp struct {
	key   ArrayKey
	del   bool
	touch bool // auto in-place write: bump lastWrite if rec.file is still current
	rec   arrRec
	txf   *txFile // payload file created by this Tx
}

type txFile struct {
	id   string
	f    *os.File
	dead bool // replaced or deleted within the Tx
}

func newTx(db *DB, auto bool, spaces []string) *Tx {
	tx := &Tx{db: db, auto: auto, spaces: spaces, held: map[string]struct{}{},
		dsOps: map[string]*dsOp{}, objOps: map[string]*objOp{}, arrOps: map[string]*arrOp{}, files: map[string]*txFile{}}
	for _, s := range spaces {
		tx.held[s] = struct{}{}
	}
	return tx
}

// Begin starts a write transaction holding the given dataspace paths (""
// is the default dataspace; an empty list means [""], as in ETP
// StartTransaction). The dataspaces need not exist yet: the Tx may create
// them.
//
// Begin never waits for another transaction: if one holds any of the
// dataspaces it fails at once with ErrBusy (clients retry). It waits only for
// auto-committed writes already in progress on them, which are short. At most
// one Tx holds a dataspace; auto-committed writes to it fail with ErrBusy
// while it is held. The Tx must end with Commit or Rollback; Close rolls back
// those still open. A read-only ETP transaction needs no Tx.
func (db *DB) Begin(dataspaces []string) (*Tx, error) {
	if err := db.enter(); err != nil {
		return nil, fmt.Errorf("storage: begin: %w", err)
	}
	defer db.rw.RUnlock()
	spaces := slices.Clone(dataspaces)
	if len(spaces) == 0 {
		spaces = []string{""}
	}
	for _, s := range spaces {
		if err := checkKey("dataspace path", s, true); err != nil {
			return nil, fmt.Errorf("storage: begin: %w", err)
		}
	}
	slices.Sort(spaces)
	spaces = slices.Compact(spaces)
	tx := newTx(db, false, spaces)
	if err := db.lockExclusive(tx, spaces); err != nil {
		return nil, fmt.Errorf("storage: begin transaction on %q: %w", spaces, err)
	}
	return tx, nil
}

// Dataspaces returns the paths the Tx holds, sorted.
func (tx *Tx) Dataspaces() []string { return slices.Clone(tx.spaces) }

// Commit makes every write of the Tx visible atomically: it fsyncs the new
// array files (unless Options.NoSync), then switches all metadata in one
// bbolt transaction, then removes the files of replaced or deleted arrays and
// releases the dataspaces. If it fails, nothing of the Tx is applied. The Tx
// ends either way; a second Commit or Rollback returns ErrClosed.
func (tx *Tx) Commit() error {
	if err := tx.db.enter(); err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	defer tx.db.rw.RUnlock()
	tx.rw.Lock()
	defer tx.rw.Unlock()
	err := tx.commitLocked()
	if !errors.Is(err, ErrClosed) {
		tx.db.unlockExclusive(tx, tx.spaces)
	}
	if err != nil {
		return fmt.Errorf("storage: commit transaction on %q: %w", tx.spaces, err)
	}
	return nil
}

// Rollback discards every write of the Tx, removes the files it created and
// releases its dataspaces. It returns ErrClosed if the Tx has already ended,
// so `defer tx.Rollback()` after a Commit is harmless.
func (tx *Tx) Rollback() error {
	if err := tx.db.enter(); err != nil {
		return fmt.Errorf("storage: rollback: %w", err)
	}
	defer tx.db.rw.RUnlock()
	tx.rw.Lock()
	defer tx.rw.Unlock()
	if err := tx.rollbackLocked(); err != nil {
		return fmt.Errorf("storage: rollback transaction on %q: %w", tx.spaces, err)
	}
	return nil
}

// rollbackLocked ends the Tx; the caller holds tx.rw exclusively.
func (tx *Tx) rollbackLocked() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrClosed
	}
	tx.done = true
	tx.discardFiles()
	tx.releaseInplace()
	if !tx.auto {
		tx.db.unlockExclusive(tx, tx.spaces)
	}
	return nil
}

// begin guards a call on an explicit Tx; the returned func ends it.
func (tx *Tx) begin() (func(), error) {
	if err := tx.db.enter(); err != nil {
		return nil, err
	}
	tx.rw.RLock()
	tx.mu.Lock()
	done := tx.done
	tx.mu.Unlock()
	if done {
		tx.rw.RUnlock()
		tx.db.rw.RUnlock()
		return nil, ErrClosed
	}
	return func() {
		tx.rw.RUnlock()
		tx.db.rw.RUnlock()
	}, nil
}

// require checks that the Tx may write into dataspace ds.
func (tx *Tx) require(ds string) error {
	if _, ok := tx.held[ds]; ok {
		return nil
	}
	if tx.auto {
		return errSpaceMoved
	}
	return fmt.Errorf("dataspace %q is not part of the transaction (holding %q): %w", ds, tx.spaces, ErrInvalid)
}

// lock and unlock guard the overlay; both accept a nil Tx (plain DB reads).
func (tx *Tx) lock() {
	if tx != nil {
		tx.mu.Lock()
	}
}

func (tx *Tx) unlock() {
	if tx != nil {
		tx.mu.Unlock()
	}
}

func (tx *Tx) discardFiles() {
	for id, tf := range tx.files {
		_ = tf.f.Close()
		_ = os.Remove(tx.db.filePath(id))
	}
	clear(tx.files)
}

func (tx *Tx) releaseInplace() {
	for _, af := range tx.inplace {
		tx.db.release(af)
	}
	tx.inplace = nil
}

// commitLocked applies the Tx; the caller holds tx.rw exclusively (or owns
// the auto Tx).
func (tx *Tx) commitLocked() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return ErrClosed
	}
	tx.done = true
	defer tx.releaseInplace()
	if len(tx.dsOps)+len(tx.objOps)+len(tx.arrOps) == 0 {
		tx.discardFiles()
		return nil
	}
	db := tx.db
	if !db.opts.NoSync {
		if err := tx.syncFiles(); err != nil {
			tx.discardFiles()
			return err
		}
	}
	var retire []string
	err := db.bolt.Update(func(b *bolt.Tx) error {
		retire = retire[:0]
		return tx.apply(newSnap(b), &retire)
	})
	if err != nil {
		tx.discardFiles()
		return err
	}
	for id, tf := range tx.files {
		_ = tf.f.Close()
		if tf.dead {
			_ = os.Remove(db.filePath(id))
		}
	}
	clear(tx.files)
	db.retire(retire)
	return nil
}

func (tx *Tx) syncFiles() error {
	created := false
	for _, tf := range tx.files {
		if tf.dead {
			continue
		}
		created = true
		if err := tf.f.Sync(); err != nil {
			return fmt.Errorf("sync array file: %w", err)
		}
	}
	for _, af := range tx.inplace {
		if err := af.f.Sync(); err != nil {
			return fmt.Errorf("sync array file: %w", err)
		}
	}
	if created {
		return syncDir(tx.db.arraysDir)
	}
	return nil
}

// apply writes the overlay into the bbolt transaction s, re-checking every
// invariant against the committed state (auto-committed writes validate
// against a snapshot that may have moved on). Phases: dataspace puts, object
// and array deletes, object puts, array puts, dataspace deletes, then the
// StoreLastWrite of every dataspace touched.
func (tx *Tx) apply(s snap, retire *[]string) error {
	now := tx.db.stamp()
	touched := map[string]struct{}{}

	for path, op := range tx.dsOps {
		if op.del {
			continue
		}
		old, ok, err := s.getDS(path)
		if err != nil {
			return err
		}
		rec := op.rec
		rec.created, rec.lastWrite = now, now
		if ok {
			rec.created = old.created
		}
		if err := s.putDS(path, &rec); err != nil {
			return err
		}
		op.rec = rec
	}

	for uri, op := range tx.objOps {
		if !op.del {
			continue
		}
		old, ok, err := s.getObj(uri)
		if err != nil {
			return err
		}
		if ok {
			if err := s.deleteObj(uri, &old, retire, touched); err != nil {
				return err
			}
		}
	}
	for _, op := range tx.arrOps {
		if !op.del {
			continue
		}
		old, ok, err := s.getArr(op.key)
		if err != nil {
			return err
		}
		if ok {
			if err := s.deleteArr(op.key, &old, retire); err != nil {
				return err
			}
			touched[old.ds] = struct{}{}
		}
	}

	for uri, op := range tx.objOps {
		if op.del {
			continue
		}
		rec := op.rec
		if _, ok, err := s.getDS(rec.ds); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("object %s: dataspace %q: %w", uri, rec.ds, ErrNotFound)
		}
		old, ok, err := s.getObj(uri)
		if err != nil {
			return err
		}
		rec.created, rec.lastWrite = now, now
		if ok {
			if old.ds != rec.ds {
				return fmt.Errorf("object %s is in dataspace %q, not %q: %w", uri, old.ds, rec.ds, ErrInvalid)
			}
			rec.created = old.created
		}
		if op.autoChanged {
			rec.lastChanged = now
		}
		if err := s.arraysOf(uri, func(k ArrayKey, a *arrRec) error {
			if a.ds != rec.ds {
				return fmt.Errorf("object %s in dataspace %q has array %q in dataspace %q: %w", uri, rec.ds, k.Path, a.ds, ErrInvalid)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := s.putObj(uri, &rec, op.data); err != nil {
			return err
		}
		op.rec = rec
		touched[rec.ds] = struct{}{}
	}

	for _, op := range tx.arrOps {
		if op.del {
			continue
		}
		old, ok, err := s.getArr(op.key)
		if err != nil {
			return err
		}
		if op.touch {
			if !ok || old.file != op.rec.file {
				continue // replaced or deleted concurrently after the write
			}
			old.lastWrite = now
			if err := s.arr.Put(arrKey(op.key), old.encode()); err != nil {
				return err
			}
			op.rec = old
			touched[old.ds] = struct{}{}
			continue
		}
		rec := op.rec
		if _, found, err := s.getDS(rec.ds); err != nil {
			return err
		} else if !found {
			return fmt.Errorf("array %s: dataspace %q: %w", op.key, rec.ds, ErrNotFound)
		}
		if o, found, err := s.getObj(op.key.URI); err != nil {
			return err
		} else if found && o.ds != rec.ds {
			return fmt.Errorf("array %s: object is in dataspace %q, not %q: %w", op.key, o.ds, rec.ds, ErrInvalid)
		}
		rec.created, rec.lastWrite = now, now
		if ok {
			rec.created = old.created
			*retire = append(*retire, old.file)
			if old.ds != rec.ds {
				if err := s.arrByDS.Delete(arrByDSKey(old.ds, op.key)); err != nil {
					return err
				}
				touched[old.ds] = struct{}{}
			}
		}
		if err := s.putArr(op.key, &rec); err != nil {
			return err
		}
		op.rec = rec
		touched[rec.ds] = struct{}{}
	}

	for path, op := range tx.dsOps {
		if !op.del {
			continue
		}
		if _, ok, err := s.getDS(path); err != nil {
			return err
		} else if !ok {
			continue
		}
		if s.hasContent(path) {
			if !op.cascade {
				return fmt.Errorf("dataspace %q: %w", path, ErrNotEmpty)
			}
			if err := cascadeDS(s, path, retire, touched); err != nil {
				return err
			}
		}
		if err := s.ds.Delete(dsKey(path)); err != nil {
			return err
		}
		delete(touched, path)
	}

	for path := range touched {
		rec, ok, err := s.getDS(path)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		rec.lastWrite = now
		if err := s.putDS(path, &rec); err != nil {
			return err
		}
	}
	return nil
}

// cascadeDS deletes every committed object and array of dataspace path.
func cascadeDS(s snap, path string, retire *[]string, touched map[string]struct{}) error {
	var uris []string
	if err := s.objectsIn(path, func(uri string) error {
		uris = append(uris, uri)
		return nil
	}); err != nil {
		return err
	}
	for _, uri := range uris {
		rec, ok, err := s.getObj(uri)
		if err != nil {
			return err
		}
		if ok {
			if err := s.deleteObj(uri, &rec, retire, touched); err != nil {
				return err
			}
		}
	}
	var keys []ArrayKey
	if err := s.arraysIn(path, func(k ArrayKey) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		rec, ok, err := s.getArr(k)
		if err != nil {
			return err
		}
		if ok {
			if err := s.deleteArr(k, &rec, retire); err != nil {
				return err
			}
		}
	}
	return nil
}

// Overlay lookups. The caller holds tx.mu (when tx is not nil) and passes a
// snapshot of committed state.

func (tx *Tx) lookupDS(s snap, path string) (dsRec, bool, error) {
	if tx != nil {
		if op := tx.dsOps[path]; op != nil {
			return op.rec, !op.del, nil
		}
	}
	return s.getDS(path)
}

func (tx *Tx) lookupObj(s snap, uri string) (objRec, *objOp, bool, error) {
	if tx != nil {
		if op := tx.objOps[uri]; op != nil {
			return op.rec, op, !op.del, nil
		}
	}
	r, ok, err := s.getObj(uri)
	return r, nil, ok, err
}

// lookupArr returns the array's record and, if the Tx wrote it, its op.
// An auto Tx's touch ops are not consulted (they point at committed files).
func (tx *Tx) lookupArr(s snap, k ArrayKey) (arrRec, *arrOp, bool, error) {
	if tx != nil {
		if op := tx.arrOps[string(arrKey(k))]; op != nil && !op.touch {
			return op.rec, op, !op.del, nil
		}
	}
	r, ok, err := s.getArr(k)
	return r, nil, ok, err
}

// arraysOf calls fn for each visible array of the object uri, by path.
func (tx *Tx) arraysOf(s snap, uri string, fn func(k ArrayKey, r *arrRec) error) error {
	recs := map[string]arrRec{}
	if err := s.arraysOf(uri, func(k ArrayKey, r *arrRec) error {
		recs[k.Path] = *r
		return nil
	}); err != nil {
		return err
	}
	if tx != nil {
		for _, op := range tx.arrOps {
			switch {
			case op.key.URI != uri || op.touch:
			case op.del:
				delete(recs, op.key.Path)
			default:
				recs[op.key.Path] = op.rec
			}
		}
	}
	paths := make([]string, 0, len(recs))
	for p := range recs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		r := recs[p]
		if err := fn(ArrayKey{URI: uri, Path: p}, &r); err != nil {
			return err
		}
	}
	return nil
}

// setArrDel records the deletion of array k (in dataspace ds).
func (tx *Tx) setArrDel(k ArrayKey, ds string) {
	ks := string(arrKey(k))
	if op := tx.arrOps[ks]; op != nil && op.txf != nil {
		op.txf.dead = true
	}
	tx.arrOps[ks] = &arrOp{key: k, del: true, rec: arrRec{ds: ds}}
}
