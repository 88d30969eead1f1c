//go:build linux

package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// allocated returns the bytes of disk allocated to the array files of db.
func allocated(t *testing.T, db *DB) int64 {
	t.Helper()
	entries, err := os.ReadDir(db.arraysDir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		st, err := os.Stat(filepath.Join(db.arraysDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		n += st.Sys().(*syscall.Stat_t).Blocks * 512
	}
	return n
}

// TestSparseArrays creates a 10 GiB array, which must allocate (almost) no
// disk, writes a few blocks in place and copies it on write in a
// transaction, which must copy only the written regions.
func TestSparseArrays(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		const elems = 10 << 30 / 8
		k := ArrayKey{URI: "eml:///eml20.obj_EpcExternalPartReference(1)", Path: "/huge"}
		if _, err := db.CreateArray(k, ArrayMeta{Dimensions: []int64{elems / 1024, 1024}, Kind: KindFloat64}); err != nil {
			t.Fatal(err)
		}
		if a := allocated(t, db); a > 1<<20 {
			t.Fatalf("a new 10 GiB array allocates %d bytes", a)
		}
		row := filled(1024*8, 7)
		wantErr(t, db.WriteBlock(k, []int64{0, 0}, []int64{1, 1024}, row), nil)
		wantErr(t, db.WriteBlock(k, []int64{elems/1024 - 1, 0}, []int64{1, 1024}, row), nil)
		tx, err := db.Begin(nil)
		if err != nil {
			t.Fatal(err)
		}
		mid := filled(1024*8, 9)
		wantErr(t, tx.WriteBlock(k, []int64{elems / 2048, 0}, []int64{1, 1024}, mid), nil)
		wantErr(t, tx.Commit(), nil)
		if a := allocated(t, db); a > 8<<20 {
			t.Fatalf("after copy on write the array allocates %d bytes", a)
		}
		cases := []struct {
			name string
			r    int64
			want []byte
		}{
			{"first row", 0, row},
			{"middle row (tx)", elems / 2048, mid},
			{"last row", elems/1024 - 1, row},
			{"never written", 12345, make([]byte, 1024*8)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got := make([]byte, 1024*8)
				wantErr(t, db.ReadBlock(k, []int64{c.r, 0}, []int64{1, 1024}, got), nil)
				if !bytes.Equal(got, c.want) {
					t.Fatalf("row %d differs", c.r)
				}
			})
		}
		wantErr(t, db.DeleteArray(k), nil)
		if n := arrayFiles(t, db); n != 0 {
			t.Fatalf("%d files after delete", n)
		}
	})
}
