package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func f64Meta(ds string, n int64) ArrayMeta {
	return ArrayMeta{Dataspace: ds, Dimensions: []int64{n}, Kind: KindFloat64, TransportArrayType: 4, LogicalArrayType: 10}
}

func filled(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func readAll(t testing.TB, rw ReadWriter, k ArrayKey) []byte {
	t.Helper()
	m, err := rw.GetArrayMeta(k)
	if err != nil {
		t.Fatalf("GetArrayMeta(%s): %v", k, err)
	}
	buf := make([]byte, m.ByteSize())
	if err := rw.ReadBlock(k, nil, nil, buf); err != nil {
		t.Fatalf("ReadBlock(%s): %v", k, err)
	}
	return buf
}

func TestTransactionCommitRollback(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		for _, commit := range []bool{true, false} {
			t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
				db := m.open(t, nil)
				mustPutDS(t, db, "d")
				old := testObject("d", "eml20.obj_EpcExternalPartReference", 1)
				mustPutObj(t, db, old)
				kOld := ArrayKey{URI: old.URI, Path: "/old"}
				if _, err := db.PutArray(kOld, f64Meta("d", 4), filled(32, 1)); err != nil {
					t.Fatal(err)
				}
				doomed := testObject("d", "resqml20.obj_Grid2dRepresentation", 2)
				mustPutObj(t, db, doomed)
				kDoomed := ArrayKey{URI: doomed.URI, Path: "/z"}
				if _, err := db.PutArray(kDoomed, f64Meta("d", 1), filled(8, 9)); err != nil {
					t.Fatal(err)
				}

				tx, err := db.Begin([]string{"d"})
				if err != nil {
					t.Fatal(err)
				}
				added := testObject("d", "resqml20.obj_Grid2dRepresentation", 3)
				mustPutObj(t, tx, added)
				kNew := ArrayKey{URI: added.URI, Path: "/new"}
				if _, err := tx.CreateArray(kNew, f64Meta("d", 4)); err != nil {
					t.Fatal(err)
				}
				wantErr(t, tx.WriteBlock(kNew, []int64{0}, []int64{4}, filled(32, 2)), nil)
				wantErr(t, tx.WriteBlock(kOld, []int64{2}, []int64{2}, filled(16, 3)), nil) // copy on write
				wantErr(t, tx.DeleteObject(doomed.URI), nil)
				if _, err := tx.PutDataspace(Dataspace{Path: "d", CustomData: []byte("x")}); err != nil {
					t.Fatal(err)
				}

				// The Tx sees its writes.
				if got := readAll(t, tx, kNew); !bytes.Equal(got, filled(32, 2)) {
					t.Fatalf("tx reads new array %v", got)
				}
				if got := readAll(t, tx, kOld); !bytes.Equal(got, append(filled(16, 1), filled(16, 3)...)) {
					t.Fatalf("tx reads old array %v", got)
				}
				_, err = tx.GetObject(doomed.URI)
				wantErr(t, err, ErrNotFound)
				// Nobody else does.
				_, err = db.GetObject(added.URI)
				wantErr(t, err, ErrNotFound)
				_, err = db.GetArrayMeta(kNew)
				wantErr(t, err, ErrNotFound)
				if got := readAll(t, db, kOld); !bytes.Equal(got, filled(32, 1)) {
					t.Fatalf("outside reads old array %v during the tx", got)
				}
				if got := readAll(t, db, kDoomed); !bytes.Equal(got, filled(8, 9)) {
					t.Fatalf("outside lost deleted array during the tx: %v", got)
				}
				if d, _ := db.GetDataspace("d"); d.CustomData != nil {
					t.Fatalf("dataspace update visible outside: %+v", d)
				}

				if commit {
					wantErr(t, tx.Commit(), nil)
					if got := readAll(t, db, kNew); !bytes.Equal(got, filled(32, 2)) {
						t.Fatalf("committed new array %v", got)
					}
					if got := readAll(t, db, kOld); !bytes.Equal(got, append(filled(16, 1), filled(16, 3)...)) {
						t.Fatalf("committed old array %v", got)
					}
					_, err = db.GetObject(doomed.URI)
					wantErr(t, err, ErrNotFound)
					_, err = db.GetArrayMeta(kDoomed)
					wantErr(t, err, ErrNotFound)
					if d, _ := db.GetDataspace("d"); string(d.CustomData) != "x" {
						t.Fatalf("dataspace update lost: %+v", d)
					}
					if n := arrayFiles(t, db); n != 2 {
						t.Fatalf("%d array files after commit, want 2 (replaced and deleted files removed)", n)
					}
				} else {
					wantErr(t, tx.Rollback(), nil)
					_, err = db.GetObject(added.URI)
					wantErr(t, err, ErrNotFound)
					if got := readAll(t, db, kOld); !bytes.Equal(got, filled(32, 1)) {
						t.Fatalf("old array after rollback %v", got)
					}
					if _, err := db.GetObject(doomed.URI); err != nil {
						t.Fatalf("deleted object back after rollback: %v", err)
					}
					if n := arrayFiles(t, db); n != 2 {
						t.Fatalf("%d array files after rollback, want 2", n)
					}
				}
				// The Tx has ended; the dataspace is free again.
				wantErr(t, tx.Commit(), ErrClosed)
				wantErr(t, tx.Rollback(), ErrClosed)
				_, err = tx.GetObject(old.URI)
				wantErr(t, err, ErrClosed)
				mustPutObj(t, db, testObject("d", "witsml21.Well", 4))
				if m.reopen != nil {
					db = m.reopen(t, db)
					_, err := db.GetObject(added.URI)
					if commit {
						wantErr(t, err, nil)
					} else {
						wantErr(t, err, ErrNotFound)
					}
				}
			})
		}
	})
}

func TestTransactionBusy(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		mustPutDS(t, db, "a")
		mustPutDS(t, db, "b")
		k := ArrayKey{URI: "eml:///dataspace('a')/eml20.obj_EpcExternalPartReference(1)", Path: "/p"}
		if _, err := db.PutArray(k, f64Meta("a", 2), filled(16, 1)); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin([]string{"a"})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			call func() error
			want error
		}{
			{"begin same", func() error { _, err := db.Begin([]string{"a"}); return err }, ErrBusy},
			{"begin overlapping", func() error { _, err := db.Begin([]string{"b", "a"}); return err }, ErrBusy},
			{"auto put object", func() error { _, err := db.PutObject(testObject("a", "witsml21.Well", 1)); return err }, ErrBusy},
			{"auto write block", func() error { return db.WriteBlock(k, []int64{0}, []int64{1}, filled(8, 2)) }, ErrBusy},
			{"auto create array", func() error {
				_, err := db.CreateArray(ArrayKey{URI: "eml:///x", Path: "y"}, f64Meta("a", 1))
				return err
			}, ErrBusy},
			{"auto delete dataspace", func() error { return db.DeleteDataspace("a", true) }, ErrBusy},
			{"auto put dataspace", func() error { _, err := db.PutDataspace(Dataspace{Path: "a"}); return err }, ErrBusy},
			{"reads go on", func() error { _, err := db.GetArrayMeta(k); return err }, nil},
			{"other dataspace auto", func() error { _, err := db.PutObject(testObject("b", "witsml21.Well", 2)); return err }, nil},
			{"tx writes outside its dataspaces", func() error { _, err := tx.PutObject(testObject("b", "witsml21.Well", 3)); return err }, ErrInvalid},
			{"tx creates dataspace outside", func() error { _, err := tx.PutDataspace(Dataspace{Path: "c"}); return err }, ErrInvalid},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantErr(t, c.call(), c.want) })
		}
		// A Tx on other dataspaces runs alongside.
		tb, err := db.Begin([]string{"b"})
		if err != nil {
			t.Fatalf("Begin on a free dataspace: %v", err)
		}
		wantErr(t, tb.Rollback(), nil)
		wantErr(t, tx.Rollback(), nil)
		wantErr(t, db.WriteBlock(k, []int64{0}, []int64{1}, filled(8, 2)), nil)
		tx2, err := db.Begin([]string{"a"})
		if err != nil {
			t.Fatalf("Begin after rollback: %v", err)
		}
		wantErr(t, tx2.Commit(), nil)
	})
}

// TestTransactionIsolation runs readers concurrently with transactions that
// rewrite two arrays and an object: readers see each item either wholly old
// or wholly new, and nothing new before Commit returns.
func TestTransactionIsolation(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		mustPutDS(t, db, "d")
		const n = 1 << 12
		keys := []ArrayKey{{URI: "eml:///dataspace('d')/eml20.obj_EpcExternalPartReference(1)", Path: "/a"},
			{URI: "eml:///dataspace('d')/eml20.obj_EpcExternalPartReference(1)", Path: "/b"}}
		for _, k := range keys {
			if _, err := db.PutArray(k, f64Meta("d", n/8), filled(n, 0)); err != nil {
				t.Fatal(err)
			}
		}
		var committed sync.Map // generation -> true once Commit returned
		committed.Store(byte(0), true)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 3 {
			wg.Go(func() {
				buf := make([]byte, n)
				for {
					select {
					case <-stop:
						return
					default:
					}
					for _, k := range keys {
						if err := db.ReadBlock(k, nil, nil, buf); err != nil {
							errs <- err
							return
						}
						g := buf[0]
						if !bytes.Equal(buf, filled(n, g)) {
							errs <- fmt.Errorf("%s: torn read: generations %d and %d", k, g, buf[n-1])
							return
						}
						if _, ok := committed.Load(g); !ok && g > 0 {
							// Commit may be in progress; it must finish
							// before any reader can see g.
							if _, ok := committed.Load(g - 1); !ok {
								errs <- fmt.Errorf("%s: read generation %d before %d committed", k, g, g-1)
								return
							}
						}
					}
				}
			})
		}
		for g := byte(1); g <= 20; g++ {
			tx, err := db.Begin([]string{"d"})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				// Two half writes: a reader must never see one without the other.
				if err := tx.WriteBlock(k, []int64{0}, []int64{n / 16}, filled(n/2, g)); err != nil {
					t.Fatal(err)
				}
				if err := tx.WriteBlock(k, []int64{n / 16}, []int64{n / 16}, filled(n/2, g)); err != nil {
					t.Fatal(err)
				}
			}
			if g%5 == 0 {
				wantErr(t, tx.Rollback(), nil)
				// Rolled back: redo as committed so generations stay in order.
				tx, err = db.Begin([]string{"d"})
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					if _, err := tx.PutArray(k, f64Meta("d", n/8), filled(n, g)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			committed.Store(g, true)
		}
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, k := range keys {
			if got := readAll(t, db, k); !bytes.Equal(got, filled(n, 20)) {
				t.Fatalf("%s: final generation %d", k, got[0])
			}
		}
		if f := arrayFiles(t, db); f != 2 {
			t.Fatalf("%d array files, want 2", f)
		}
	})
}

func TestCloseRollsBack(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		tx, err := db.Begin(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := tx.Dataspaces(); len(got) != 1 || got[0] != "" {
			t.Fatalf("Begin(nil) holds %q, want the default dataspace", got)
		}
		o := testObject("", "witsml21.Well", 1)
		mustPutObj(t, tx, o)
		if _, err := tx.CreateArray(ArrayKey{URI: o.URI, Path: "p"}, f64Meta("", 1<<20)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, db.Close(), nil)
		wantErr(t, db.Close(), nil) // idempotent
		wantErr(t, tx.Commit(), ErrClosed)
		_, err = db.GetObject(o.URI)
		wantErr(t, err, ErrClosed)
		_, err = db.Begin(nil)
		wantErr(t, err, ErrClosed)
		if m.reopen != nil {
			ndb, err := Open(db.dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ndb.Close()
			_, err = ndb.GetObject(o.URI)
			wantErr(t, err, ErrNotFound)
			if n := arrayFiles(t, ndb); n != 0 {
				t.Fatalf("%d array files after Close rolled back", n)
			}
		}
	})
}

// TestConcurrentWriters hammers one store from many goroutines: disjoint
// blocks of one array outside transactions, object upserts, and
// transactions on their own dataspaces, all at once (run with -race).
func TestConcurrentWriters(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		mustPutDS(t, db, "shared")
		const rows, cols, workers = 64, 128, 8
		k := ArrayKey{URI: "eml:///dataspace('shared')/eml20.obj_EpcExternalPartReference(1)", Path: "/big"}
		if _, err := db.CreateArray(k, ArrayMeta{Dataspace: "shared", Dimensions: []int64{rows, cols}, Kind: KindUint8}); err != nil {
			t.Fatal(err)
		}
		for w := range workers {
			mustPutDS(t, db, fmt.Sprintf("own%d", w))
		}
		var wg sync.WaitGroup
		errc := make(chan error, workers*3)
		for w := range workers {
			wg.Go(func() { // rows w, w+workers, ... of the shared array
				for r := w; r < rows; r += workers {
					if err := db.WriteBlock(k, []int64{int64(r), 0}, []int64{1, cols}, filled(cols, byte(r))); err != nil {
						errc <- err
						return
					}
				}
			})
			wg.Go(func() { // object upserts in the shared dataspace
				for i := range 10 {
					o := testObject("shared", "witsml21.Well", w*100+i%3)
					if _, err := db.PutObject(o); err != nil {
						errc <- err
						return
					}
				}
			})
			wg.Go(func() { // transactions on an own dataspace
				ds := fmt.Sprintf("own%d", w)
				for i := range 5 {
					tx, err := db.Begin([]string{ds})
					if err != nil {
						errc <- err
						return
					}
					o := testObject(ds, "resqml20.obj_Grid2dRepresentation", i)
					ka := ArrayKey{URI: o.URI, Path: "/v"}
					_, err = tx.PutObject(o)
					if err == nil {
						_, err = tx.PutArray(ka, f64Meta(ds, 8), filled(64, byte(i)))
					}
					if err == nil {
						err = tx.Commit()
					}
					if err != nil {
						errc <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		buf := make([]byte, rows*cols)
		wantErr(t, db.ReadBlock(k, nil, nil, buf), nil)
		for r := range rows {
			if !bytes.Equal(buf[r*cols:(r+1)*cols], filled(cols, byte(r))) {
				t.Fatalf("row %d lost a concurrent write", r)
			}
		}
		l, _, err := db.ListObjects("shared", ObjectFilter{})
		wantErr(t, err, nil)
		if len(l) != workers*3 {
			t.Fatalf("%d objects in shared, want %d", len(l), workers*3)
		}
		for w := range workers {
			l, _, err := db.ListObjects(fmt.Sprintf("own%d", w), ObjectFilter{})
			wantErr(t, err, nil)
			if len(l) != 5 {
				t.Fatalf("own%d has %d objects, want 5", w, len(l))
			}
		}
		if n := arrayFiles(t, db); n != 1+workers*5 {
			t.Fatalf("%d array files, want %d", n, 1+workers*5)
		}
	})
}

// TestConcurrentTxUse uses one Tx from several goroutines, as a server
// handling parallel requests of one session does.
func TestConcurrentTxUse(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		tx, err := db.Begin(nil)
		if err != nil {
			t.Fatal(err)
		}
		const blocks, bs = 16, 256
		k := ArrayKey{URI: "eml:///eml20.obj_EpcExternalPartReference(1)", Path: "/p"}
		if _, err := tx.CreateArray(k, ArrayMeta{Dimensions: []int64{blocks * bs}, Kind: KindInt8}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errc := make(chan error, blocks)
		for b := range blocks {
			wg.Go(func() {
				if err := tx.WriteBlock(k, []int64{int64(b * bs)}, []int64{bs}, filled(bs, byte(b))); err != nil {
					errc <- err
				}
				if _, err := tx.PutObject(testObject("", "witsml21.Well", b)); err != nil {
					errc <- err
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		wantErr(t, tx.Commit(), nil)
		got := readAll(t, db, k)
		for b := range blocks {
			if !bytes.Equal(got[b*bs:(b+1)*bs], filled(bs, byte(b))) {
				t.Fatalf("block %d lost", b)
			}
		}
		l, _, err := db.ListObjects("", ObjectFilter{})
		if err != nil || len(l) != blocks {
			t.Fatalf("%d objects, %v", len(l), err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	defer func(d time.Duration) { lockTimeout = d }(lockTimeout)
	lockTimeout = 50 * time.Millisecond
	dir := t.TempDir()
	db, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases := []struct {
		name string
		dir  string
		want error
	}{
		{"empty dir", "", ErrInvalid},
		{"held by another opener", dir, ErrBusy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db2, err := Open(c.dir, nil)
			if err == nil {
				db2.Close()
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Open(%q) error %v, want %v", c.dir, err, c.want)
			}
		})
	}
}

// TestReopen checks that everything committed survives Close and Open, and
// that Open removes orphan array files but leaves foreign files alone.
func TestReopen(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		if m.reopen == nil {
			t.Skip("mode does not persist")
		}
		db := m.open(t, nil)
		mustPutDS(t, db, "demo")
		o := testObject("demo", "resqml20.obj_Grid2dRepresentation", 1)
		info := mustPutObj(t, db, o)
		k := ArrayKey{URI: o.URI, Path: "/z"}
		if _, err := db.PutArray(k, ArrayMeta{Dataspace: "demo", Dimensions: []int64{2, 3}, Kind: KindInt16}, filled(12, 5)); err != nil {
			t.Fatal(err)
		}
		ds, err := db.GetDataspace("demo")
		wantErr(t, err, nil)
		orphan := filepath.Join(db.arraysDir, newFileID()+arrayExt)
		foreign := filepath.Join(db.arraysDir, "README")
		for _, p := range []string{orphan, foreign} {
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		db = m.reopen(t, db)
		got, err := db.GetObject(o.URI)
		wantErr(t, err, nil)
		if got.StoreCreated != info.StoreCreated || !bytes.Equal(got.Data, o.Data) {
			t.Fatalf("object after reopen %+v", got)
		}
		if d, err := db.GetDataspace("demo"); err != nil || d.StoreLastWrite != ds.StoreLastWrite {
			t.Fatalf("dataspace after reopen %+v, %v (before %+v)", d, err, ds)
		}
		if got := readAll(t, db, k); !bytes.Equal(got, filled(12, 5)) {
			t.Fatalf("array after reopen %v", got)
		}
		if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("orphan array file survived Open: %v", err)
		}
		if _, err := os.Stat(foreign); err != nil {
			t.Fatalf("foreign file removed by Open: %v", err)
		}
		// Store times keep increasing across reopen.
		d2 := mustPutDS(t, db, "demo")
		if d2.StoreLastWrite <= ds.StoreLastWrite {
			t.Fatalf("StoreLastWrite went back after reopen: %d <= %d", d2.StoreLastWrite, ds.StoreLastWrite)
		}
	})
}
