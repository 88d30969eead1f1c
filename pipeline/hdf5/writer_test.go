package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// pattern returns n elements of d with distinct, type-specific values, as
// little-endian bytes.
func pattern(d DType, n int64, seed int) []byte {
	b := make([]byte, n*int64(d.Size()))
	for i := int64(0); i < n; i++ {
		v := float64(i)*1.5 - float64(seed)
		if d == Bool {
			v = float64((i + int64(seed)) % 2)
		} else if d != Float32 && d != Float64 {
			v = float64(i*7919 - int64(seed)*1000)
		}
		putValue(b[i*int64(d.Size()):], d, v)
	}
	return b
}

type writeCase struct {
	path  string
	dtype DType
	shape []int64
}

var writeCases = func() []writeCase {
	var cs []writeCase
	for i, d := range DTypes() {
		cs = append(cs, writeCase{fmt.Sprintf("/types/%s", d), d, []int64{int64(3 + i), 5}})
	}
	return append(cs,
		writeCase{"/nd/scalar", Float64, []int64{}},
		writeCase{"/nd/empty", Int32, []int64{0}},
		writeCase{"/nd/empty2", Float32, []int64{4, 0, 3}},
		writeCase{"/nd/d1", Uint16, []int64{1000}},
		writeCase{"/nd/d3", Int16, []int64{4, 5, 6}},
		writeCase{"/nd/d4", Float64, []int64{2, 3, 4, 5}},
		writeCase{"/RESQML/a1b2c3d4-0000-1111-2222-333344445555/points_patch0", Float64, []int64{7, 9, 3}},
		writeCase{"top", Uint8, []int64{17}},
	)
}()

// writeFile writes writeCases (plus wide, a group with n datasets, to
// exercise multi-level group B-trees) block by block and returns the path.
func writeFile(t *testing.T, wide int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.h5")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for i, c := range writeCases {
		dw, err := w.CreateDataset(c.path, c.dtype, c.shape)
		if err != nil {
			t.Fatal(err)
		}
		data := pattern(c.dtype, elements(c.shape), i)
		es := int64(c.dtype.Size())
		if len(c.shape) == 0 || c.shape[0] < 2 {
			if err := dw.WriteBlock(make([]int64, len(c.shape)), c.shape, data); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Two blocks split in the last dimension, written in reverse order.
		rank := len(c.shape)
		half := c.shape[rank-1] / 2
		for _, part := range [][2]int64{{half, c.shape[rank-1] - half}, {0, half}} {
			starts := make([]int64, rank)
			counts := slices.Clone(c.shape)
			starts[rank-1], counts[rank-1] = part[0], part[1]
			if err := dw.WriteBlock(starts, counts, subBox(data, c.shape, starts, counts, es)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < wide; i++ {
		dw, err := w.CreateDataset(fmt.Sprintf("/wide/n%04d", i), Int32, []int64{1})
		if err != nil {
			t.Fatal(err)
		}
		b := binary.LittleEndian.AppendUint32(nil, uint32(i))
		if err := dw.WriteBlock([]int64{0}, []int64{1}, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriterRoundTrip(t *testing.T) {
	path := writeFile(t, 1500)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.SuperblockVersion() != 0 {
		t.Errorf("superblock version %d", f.SuperblockVersion())
	}
	for i, c := range writeCases {
		d, err := f.Dataset(c.path)
		if err != nil {
			t.Fatal(err)
		}
		info := d.Info()
		if info.DType != c.dtype || !slices.Equal(info.Shape, c.shape) || info.Layout != Contiguous {
			t.Fatalf("%s: info %+v", c.path, info)
		}
		if got, want := readAll(t, d), pattern(c.dtype, elements(c.shape), i); !bytes.Equal(got, want) {
			t.Fatalf("%s: contents differ", c.path)
		}
	}
	for _, i := range []int{0, 1, 7, 8, 255, 256, 1499} {
		d, err := f.Dataset(fmt.Sprintf("/wide/n%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint32(readAll(t, d)); got != uint32(i) {
			t.Fatalf("wide %d read %d", i, got)
		}
	}
	n := 0
	if err := f.Walk(func(string, *Dataset) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(writeCases)+1500 {
		t.Fatalf("walked %d datasets, want %d", n, len(writeCases)+1500)
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.h5")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	dw, err := w.CreateDataset("/a/b", Float64, []int64{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		dtype DType
		shape []int64
	}{
		{"exists", "/a/b", Float64, []int64{1}},
		{"group exists", "/a", Float64, []int64{1}},
		{"below a dataset", "/a/b/c", Float64, []int64{1}},
		{"empty path", "/", Float64, []int64{1}},
		{"dot component", "/a/./c", Float64, []int64{1}},
		{"bad dtype", "/c", DType(99), []int64{1}},
		{"negative dim", "/c", Int8, []int64{-1}},
		{"too large", "/c", Float64, []int64{math.MaxInt64 / 4, 4}},
		{"rank 33", "/c", Int8, make([]int64, 33)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := w.CreateDataset(tc.path, tc.dtype, tc.shape); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if err := dw.WriteBlock([]int64{0, 0}, []int64{3, 1}, make([]byte, 24)); !errors.Is(err, ErrBlock) {
		t.Errorf("out-of-range block: %v", err)
	}
	if err := dw.WriteBlock([]int64{0, 0}, []int64{1, 1}, make([]byte, 4)); !errors.Is(err, ErrBlock) {
		t.Errorf("short buffer: %v", err)
	}
	tmp := w.TempPath()
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp file left after Abort: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("destination created by Abort: %v", err)
	}
	if err := dw.WriteBlock([]int64{0, 0}, []int64{1, 1}, make([]byte, 8)); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteBlock after Abort: %v", err)
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close after Abort: %v", err)
	}
}
