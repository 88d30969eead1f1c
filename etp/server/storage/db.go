package storage

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	metaFile      = "meta.db"
	arraysDirName = "arrays"
	arrayExt      = ".arr"
	// maxOpenFiles bounds the cache of open array files; idle handles beyond
	// it are closed.
	maxOpenFiles = 128
)

// DB is an open store: dataspaces, data objects and data arrays under one data
// directory (or a temporary one, see OpenMemory).
//
// Concurrency: all methods of DB and Tx are safe for concurrent use by many
// goroutines. Reads never block on writers and see only committed data.
// Writes outside a transaction are auto-committed per call; many of them may
// run in parallel, also on one array (disjoint blocks then all land; the
// outcome of overlapping concurrent blocks is unspecified). A dataspace held
// by an open transaction refuses auto-committed writes with ErrBusy until the
// transaction ends. Close waits for calls in progress and rolls back open
// transactions.
type DB struct {
	dir       string
	arraysDir string
	opts      Options
	temp      bool // remove dir on Close (OpenMemory)
	bolt      *bolt.DB

	rw     sync.RWMutex // calls hold RLock; Close holds Lock
	closed bool         // guarded by rw

	lmu   sync.Mutex // guards locks and txs; leaf lock
	lcond *sync.Cond
	locks map[string]*spaceLock
	txs   map[*Tx]struct{}

	fmu      sync.Mutex // guards files and removing; leaf lock
	files    map[string]*arrayFile
	removing map[string]struct{}

	clock atomic.Int64 // last store time handed out, microseconds
}

// lockTimeout bounds how long Open waits for another process to release the
// metadata file before failing with ErrBusy. A variable so that tests can
// shorten it.
var lockTimeout = 2 * time.Second

// spaceLock is the write lock of one dataspace: held exclusively by one
// explicit transaction or shared by auto-committed writes.
type spaceLock struct {
	tx     *Tx
	shared int
}

// arrayFile is a cached open array payload file.
type arrayFile struct {
	id      string
	f       *os.File
	refs    int
	retired bool
}

// Open opens (creating if needed) the store in directory dir: metadata in
// dir/meta.db (bbolt), one payload file per array under dir/arrays. Array
// files that no committed metadata refers to (left by a crash or a rollback)
// are removed. opts may be nil for defaults.
//
// Only one process may open a directory at a time: if another holds it, Open
// fails with ErrBusy after about two seconds. Errors wrap the directory.
func Open(dir string, opts *Options) (*DB, error) {
	if dir == "" {
		return nil, fmt.Errorf("storage: open: empty directory: %w", ErrInvalid)
	}
	return open(dir, opts.withDefaults(), false)
}

// OpenMemory opens a throw-away store for tests and demos: the same
// implementation as Open, in a new temporary directory (under /dev/shm when
// usable, else os.TempDir)
// that Close removes, with NoSync forced on. opts may be nil.
func OpenMemory(opts *Options) (*DB, error) {
	o := opts.withDefaults()
	o.NoSync = true
	dir, err := os.MkdirTemp(memoryDir(), "etp-storage-*")
	if err != nil {
		return nil, fmt.Errorf("storage: open memory store: %w", err)
	}
	db, err := open(dir, o, true)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return db, nil
}

// memoryDir is where OpenMemory keeps its files: /dev/shm when it is a
// writable directory (a RAM file system on Linux: page-cache writes there run
// several times faster than on a disk-backed file system), else the
// system's temporary directory.
func memoryDir() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(shm, ".etp-probe-*"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}

func open(dir string, o Options, temp bool) (db *DB, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("storage: open %s: %w", dir, err)
		}
	}()
	arrays := filepath.Join(dir, arraysDirName)
	if err := os.MkdirAll(arrays, 0o750); err != nil {
		return nil, err
	}
	bdb, err := bolt.Open(filepath.Join(dir, metaFile), 0o600, &bolt.Options{
		Timeout:        lockTimeout,
		NoSync:         o.NoSync,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("directory in use by another process: %w", ErrBusy)
	}
	if err != nil {
		return nil, err
	}
	db = &DB{
		dir: dir, arraysDir: arrays, opts: o, temp: temp, bolt: bdb,
		locks: map[string]*spaceLock{}, txs: map[*Tx]struct{}{},
		files: map[string]*arrayFile{}, removing: map[string]struct{}{},
	}
	db.lcond = sync.NewCond(&db.lmu)
	if err := db.init(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.removeOrphans(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

// init creates the buckets and the default dataspace, checks the format and
// seeds the clock with the newest stored write time.
func (db *DB) init() error {
	return db.bolt.Update(func(b *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := b.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := b.Bucket(bucketMeta)
		switch v := meta.Get(keyFormat); {
		case v == nil:
			if err := meta.Put(keyFormat, formatVersion); err != nil {
				return err
			}
		case !bytes.Equal(v, formatVersion):
			return fmt.Errorf("unknown metadata format %q", v)
		}
		dsb := b.Bucket(bucketDS)
		var newest int64
		err := dsb.ForEach(func(k, v []byte) error {
			r, err := decodeDS(v)
			if err != nil {
				return fmt.Errorf("dataspace %q: %w", k, err)
			}
			newest = max(newest, r.lastWrite)
			return nil
		})
		if err != nil {
			return err
		}
		db.clock.Store(newest)
		if dsb.Get(dsKey("")) == nil {
			now := db.stamp()
			r := dsRec{created: now, lastWrite: now}
			return dsb.Put(dsKey(""), r.encode())
		}
		return nil
	})
}

// removeOrphans deletes array files that no committed array refers to.
func (db *DB) removeOrphans() error {
	refs := map[string]struct{}{}
	err := db.bolt.View(func(b *bolt.Tx) error {
		return b.Bucket(bucketArr).ForEach(func(k, v []byte) error {
			r, err := decodeArr(v)
			if err != nil {
				return fmt.Errorf("array %q: %w", k, err)
			}
			refs[r.file] = struct{}{}
			return nil
		})
	})
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(db.arraysDir)
	if err != nil {
		return err
	}
	removed := false
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), arrayExt)
		if !ok || !validFileID(id) {
			continue // not ours; leave it alone
		}
		if _, ok := refs[id]; ok {
			continue
		}
		if err := os.Remove(filepath.Join(db.arraysDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove orphan array file: %w", err)
		}
		removed = true
	}
	if removed && !db.opts.NoSync {
		return syncDir(db.arraysDir)
	}
	return nil
}

// Close rolls back open transactions, waits for calls in progress, closes the
// metadata database and the array files and, for OpenMemory stores, removes
// the directory. Calling Close again returns nil. Afterwards every method
// fails with ErrClosed.
func (db *DB) Close() error {
	db.rw.Lock()
	defer db.rw.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	db.lmu.Lock()
	txs := make([]*Tx, 0, len(db.txs))
	for tx := range db.txs {
		txs = append(txs, tx)
	}
	db.lmu.Unlock()
	var errs []error
	for _, tx := range txs {
		tx.rw.Lock()
		if err := tx.rollbackLocked(); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
		tx.rw.Unlock()
	}
	db.fmu.Lock()
	for id, af := range db.files {
		if err := af.f.Close(); err != nil {
			errs = append(errs, err)
		}
		delete(db.files, id)
	}
	db.fmu.Unlock()
	if err := db.bolt.Close(); err != nil {
		errs = append(errs, err)
	}
	if db.temp {
		if err := os.RemoveAll(db.dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("storage: close %s: %w", db.dir, err)
	}
	return nil
}

// enter marks the start of a call; it fails with ErrClosed after Close.
// The caller must call db.rw.RUnlock when done.
func (db *DB) enter() error {
	db.rw.RLock()
	if db.closed {
		db.rw.RUnlock()
		return ErrClosed
	}
	return nil
}

// stamp returns the current time in microseconds, strictly greater than any
// stamp handed out before by this DB.
func (db *DB) stamp() int64 {
	now := time.Now().UnixMicro()
	for {
		last := db.clock.Load()
		t := max(now, last+1)
		if db.clock.CompareAndSwap(last, t) {
			return t
		}
	}
}

// Dataspace locks.

// lockShared takes the shared write lock of the dataspaces for an
// auto-committed write; it fails with ErrBusy if a transaction holds one.
func (db *DB) lockShared(spaces []string) error {
	db.lmu.Lock()
	defer db.lmu.Unlock()
	for _, s := range spaces {
		if l := db.locks[s]; l != nil && l.tx != nil {
			return fmt.Errorf("dataspace %q is held by an open transaction: %w", s, ErrBusy)
		}
	}
	for _, s := range spaces {
		l := db.locks[s]
		if l == nil {
			l = &spaceLock{}
			db.locks[s] = l
		}
		l.shared++
	}
	return nil
}

func (db *DB) unlockShared(spaces []string) {
	db.lmu.Lock()
	defer db.lmu.Unlock()
	for _, s := range spaces {
		l := db.locks[s]
		l.shared--
		if l.shared == 0 && l.tx == nil {
			delete(db.locks, s)
		}
	}
	db.lcond.Broadcast()
}

// lockExclusive takes the dataspaces for tx, failing with ErrBusy at once if
// another transaction holds one, then waits for auto-committed writes in
// progress on them to finish (they are short and never wait themselves).
func (db *DB) lockExclusive(tx *Tx, spaces []string) error {
	db.lmu.Lock()
	defer db.lmu.Unlock()
	for _, s := range spaces {
		if l := db.locks[s]; l != nil && l.tx != nil {
			return fmt.Errorf("dataspace %q is held by another transaction: %w", s, ErrBusy)
		}
	}
	for _, s := range spaces {
		l := db.locks[s]
		if l == nil {
			l = &spaceLock{}
			db.locks[s] = l
		}
		l.tx = tx
	}
	db.txs[tx] = struct{}{}
	for {
		busy := false
		for _, s := range spaces {
			if db.locks[s].shared > 0 {
				busy = true
			}
		}
		if !busy {
			return nil
		}
		db.lcond.Wait()
	}
}

func (db *DB) unlockExclusive(tx *Tx, spaces []string) {
	db.lmu.Lock()
	defer db.lmu.Unlock()
	for _, s := range spaces {
		if l := db.locks[s]; l != nil && l.tx == tx {
			l.tx = nil
			if l.shared == 0 {
				delete(db.locks, s)
			}
		}
	}
	delete(db.txs, tx)
}

// Array files.

func newFileID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func validFileID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (db *DB) filePath(id string) string { return filepath.Join(db.arraysDir, id+arrayExt) }

// createFile creates a new sparse array file of size bytes.
func (db *DB) createFile(size int64) (string, *os.File, error) {
	id := newFileID()
	f, err := os.OpenFile(db.filePath(id), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", nil, fmt.Errorf("create array file: %w", err)
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		_ = os.Remove(db.filePath(id))
		return "", nil, fmt.Errorf("allocate array file of %d bytes: %w", size, err)
	}
	return id, f, nil
}

// acquire returns the cached open file id, checking its size on first open.
// A missing file yields an error wrapping fs.ErrNotExist (the array was
// replaced or deleted after the caller read its metadata). Release with
// release.
func (db *DB) acquire(id string, size int64) (*arrayFile, error) {
	db.fmu.Lock()
	defer db.fmu.Unlock()
	if af := db.files[id]; af != nil {
		af.refs++
		return af, nil
	}
	if _, ok := db.removing[id]; ok {
		return nil, fs.ErrNotExist
	}
	f, err := os.OpenFile(db.filePath(id), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() != size {
		err = fmt.Errorf("array file %s has %d bytes, metadata says %d", id, st.Size(), size)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if len(db.files) >= maxOpenFiles {
		for oid, o := range db.files {
			if o.refs == 0 {
				_ = o.f.Close()
				delete(db.files, oid)
			}
			if len(db.files) < maxOpenFiles/2 {
				break
			}
		}
	}
	af := &arrayFile{id: id, f: f, refs: 1}
	db.files[id] = af
	return af, nil
}

func (db *DB) release(af *arrayFile) {
	db.fmu.Lock()
	defer db.fmu.Unlock()
	af.refs--
	if af.refs == 0 && af.retired {
		_ = af.f.Close()
	}
}

// retire removes array files that committed metadata no longer refers to.
// Handles in use stay valid until released. A file that cannot be removed is
// left as an orphan for the next Open.
func (db *DB) retire(ids []string) {
	if len(ids) == 0 {
		return
	}
	db.fmu.Lock()
	for _, id := range ids {
		db.removing[id] = struct{}{}
		if af := db.files[id]; af != nil {
			delete(db.files, id)
			af.retired = true
			if af.refs == 0 {
				_ = af.f.Close()
			}
		}
	}
	db.fmu.Unlock()
	for _, id := range ids {
		_ = os.Remove(db.filePath(id))
	}
	db.fmu.Lock()
	for _, id := range ids {
		delete(db.removing, id)
	}
	db.fmu.Unlock()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
