package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mode is one way of opening a store; the whole suite runs against each
// (STYLE.md section 7: one suite, every implementation).
type mode struct {
	name string
	// open opens a fresh store, closed at the end of the test.
	open func(t testing.TB, opts *Options) *DB
	// reopen closes db and opens the same store again; nil when the mode
	// cannot persist.
	reopen func(t testing.TB, db *DB) *DB
}

var modes = []mode{
	{
		name: "disk",
		open: func(t testing.TB, opts *Options) *DB {
			dir := t.TempDir()
			db, err := Open(dir, opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		reopen: reopenDisk,
	},
	{
		name: "disk-nosync",
		open: func(t testing.TB, opts *Options) *DB {
			o := opts.withDefaults()
			o.NoSync = true
			db, err := Open(t.TempDir(), &o)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		reopen: reopenDisk,
	},
	{
		name: "memory",
		open: func(t testing.TB, opts *Options) *DB {
			db, err := OpenMemory(opts)
			if err != nil {
				t.Fatalf("OpenMemory: %v", err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
	},
}

func reopenDisk(t testing.TB, db *DB) *DB {
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ndb, err := Open(db.dir, &db.opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { _ = ndb.Close() })
	return ndb
}

// forEachMode runs fn as a parallel subtest per mode.
func forEachMode(t *testing.T, fn func(t *testing.T, m mode)) {
	t.Helper()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			fn(t, m)
		})
	}
}

// rwFor returns the DB or a Tx over spaces (committed at test end) so that
// tests of the ReadWriter contract run both ways.
type rwCase struct {
	name string
	rw   func(t *testing.T, db *DB, spaces ...string) (ReadWriter, func())
}

var rwCases = []rwCase{
	{"auto", func(t *testing.T, db *DB, spaces ...string) (ReadWriter, func()) { return db, func() {} }},
	{"tx", func(t *testing.T, db *DB, spaces ...string) (ReadWriter, func()) {
		tx, err := db.Begin(spaces)
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		return tx, func() {
			if err := tx.Commit(); err != nil {
				t.Fatalf("Commit: %v", err)
			}
		}
	}},
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !strings.HasPrefix(err.Error(), "storage: ") {
		t.Fatalf("error %q does not name the package", err)
	}
}

func mustPutDS(t testing.TB, rw ReadWriter, path string) Dataspace {
	t.Helper()
	d, err := rw.PutDataspace(Dataspace{Path: path})
	if err != nil {
		t.Fatalf("PutDataspace(%q): %v", path, err)
	}
	return d
}

func objURI(ds, typ, uuid string) string {
	if ds == "" {
		return fmt.Sprintf("eml:///%s(%s)", typ, uuid)
	}
	return fmt.Sprintf("eml:///dataspace('%s')/%s(%s)", ds, typ, uuid)
}

func testObject(ds, typ string, n int) Object {
	uuid := fmt.Sprintf("00000000-0000-0000-0000-%012d", n)
	return Object{
		ObjectInfo: ObjectInfo{URI: objURI(ds, typ, uuid), Dataspace: ds, Type: typ, UUID: uuid, Title: fmt.Sprintf("object %d", n)},
		Data:       []byte(fmt.Sprintf("<obj n='%d'/>", n)),
	}
}

func mustPutObj(t testing.TB, rw ReadWriter, o Object) ObjectInfo {
	t.Helper()
	info, err := rw.PutObject(o)
	if err != nil {
		t.Fatalf("PutObject(%s): %v", o.URI, err)
	}
	return info
}

// arrayFiles counts the payload files of db.
func arrayFiles(t testing.TB, db *DB) int {
	t.Helper()
	entries, err := os.ReadDir(db.arraysDir)
	if err != nil {
		t.Fatalf("read arrays dir: %v", err)
	}
	n := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) == arrayExt {
			n++
		}
	}
	return n
}
