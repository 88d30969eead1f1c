package arrayfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestRoundTrip writes every element type in both byte orders and all three
// layouts (npy v1, npy v2, raw) for shapes from 0-D to 4-D, including empty
// ones and sizes that blocks do not divide, then checks the bytes on disk,
// whole-array and random sub-box reads against the reference, and the
// checksum.
func TestRoundTrip(t *testing.T) {
	shapes := []struct {
		name         string
		shape, block []int64
	}{
		{"0-D", []int64{}, []int64{}},
		{"one element", []int64{1}, []int64{1}},
		{"1-D uneven", []int64{17}, []int64{5}},
		{"2-D uneven", []int64{7, 9}, []int64{3, 4}},
		{"2-D rows", []int64{6, 5}, []int64{4, 5}},
		{"3-D uneven", []int64{3, 5, 7}, []int64{2, 2, 3}},
		{"4-D uneven", []int64{2, 3, 4, 5}, []int64{1, 2, 3, 2}},
		{"empty 1-D", []int64{0}, []int64{1}},
		{"empty inner dim", []int64{4, 0, 3}, []int64{2, 1, 2}},
	}
	layouts := []struct {
		name    string
		format  Format
		version int
	}{
		{"npy1", FormatNPY, 1},
		{"npy2", FormatNPY, 2},
		{"raw", FormatRaw, 0},
	}
	for _, dt := range DTypes() {
		for _, order := range []ByteOrder{LittleEndian, BigEndian} {
			for _, lay := range layouts {
				for si, sh := range shapes {
					name := fmt.Sprintf("%v/%v/%s/%s", dt, order, lay.name, sh.name)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						seed := uint64(int(dt)*1000 + int(order)*100 + si)
						rng := rand.New(rand.NewPCG(seed, 7))
						ref := newRefArray(rng, dt, sh.shape)
						path := filepath.Join(t.TempDir(), "a.npy")
						if lay.format == FormatRaw {
							path = filepath.Join(t.TempDir(), "a.bin")
						}
						info := Info{Format: lay.format, DType: dt, Shape: sh.shape, Order: order, NPYVersion: lay.version}
						winfo := writeArray(t, path, info, ref, sh.block)
						checkArrayFile(t, path, winfo, ref, rng)
					})
				}
			}
		}
	}
}

// checkArrayFile opens path and checks it against ref: Info, the data bytes
// on disk, a whole read, random sub-box reads and the checksum.
func checkArrayFile(t *testing.T, path string, winfo Info, ref refArray, rng *rand.Rand) {
	t.Helper()
	var opts *OpenOptions
	if winfo.Format == FormatRaw {
		opts = &OpenOptions{Format: FormatRaw, DType: winfo.DType, Shape: winfo.Shape, Order: winfo.Order}
	}
	r, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	info := r.Info()
	if info.Format != winfo.Format || info.DType != winfo.DType || !slices.Equal(info.Shape, winfo.Shape) ||
		info.Order != winfo.Order || info.DataOffset != winfo.DataOffset || info.NPYVersion != winfo.NPYVersion {
		t.Fatalf("reader Info %+v, writer Info %+v", info, winfo)
	}
	if info.Format == FormatNPY && info.DataOffset%npyAlign != 0 {
		t.Errorf("npy data offset %d is not 64-aligned", info.DataOffset)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := ref.fileBytes(info.Order); !bytes.Equal(raw[info.DataOffset:], want) {
		t.Fatalf("data on disk differs from the reference in %v order", info.Order)
	}
	whole := make([]byte, len(ref.data))
	if err := r.ReadBlock(make([]int64, len(ref.shape)), ref.shape, whole); err != nil {
		t.Fatalf("ReadBlock(whole): %v", err)
	}
	if !bytes.Equal(whole, ref.data) {
		t.Fatal("whole-array read differs from the reference")
	}
	for range 20 {
		b := randomBox(rng, ref.shape)
		got := make([]byte, product(b.counts)*int64(ref.dtype.Size()))
		if err := r.ReadBlock(b.starts, b.counts, got); err != nil {
			t.Fatalf("ReadBlock(%v, %v): %v", b.starts, b.counts, err)
		}
		if !bytes.Equal(got, ref.box(b.starts, b.counts)) {
			t.Fatalf("ReadBlock(%v, %v) differs from the reference", b.starts, b.counts)
		}
	}
	sum, err := r.Checksum(context.Background(), 3)
	if err != nil {
		t.Fatalf("Checksum: %v", err)
	}
	if sum != sha256.Sum256(ref.data) {
		t.Fatal("checksum differs from SHA-256 of the reference's little-endian bytes")
	}
}

// TestReadBlockProperty checks random arrays, random write tilings and random
// read boxes against the reference.
func TestReadBlockProperty(t *testing.T) {
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		dt := rapid.SampledFrom(DTypes()).Draw(rt, "dtype")
		order := rapid.SampledFrom([]ByteOrder{LittleEndian, BigEndian}).Draw(rt, "order")
		format := rapid.SampledFrom([]Format{FormatNPY, FormatRaw}).Draw(rt, "format")
		rank := rapid.IntRange(1, 4).Draw(rt, "rank")
		shape := make([]int64, rank)
		blk := make([]int64, rank)
		for d := range shape {
			shape[d] = rapid.Int64Range(0, 9).Draw(rt, fmt.Sprintf("shape%d", d))
			blk[d] = rapid.Int64Range(1, 9).Draw(rt, fmt.Sprintf("block%d", d))
		}
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 1))
		ref := newRefArray(rng, dt, shape)
		n++
		path := filepath.Join(dir, fmt.Sprintf("p%d.%s", n, format))
		winfo := writeArray(rt, path, Info{Format: format, DType: dt, Shape: shape, Order: order}, ref, blk)
		var opts *OpenOptions
		if format == FormatRaw {
			opts = &OpenOptions{DType: dt, Shape: shape, Order: order}
		}
		r, err := Open(path, opts)
		if err != nil {
			rt.Fatalf("Open: %v", err)
		}
		defer r.Close()
		if r.Info().DataOffset != winfo.DataOffset {
			rt.Fatalf("data offset %d, writer said %d", r.Info().DataOffset, winfo.DataOffset)
		}
		for i := range 5 {
			starts := make([]int64, rank)
			counts := make([]int64, rank)
			for d := range shape {
				starts[d] = rapid.Int64Range(0, shape[d]).Draw(rt, fmt.Sprintf("start%d.%d", i, d))
				counts[d] = rapid.Int64Range(0, shape[d]-starts[d]).Draw(rt, fmt.Sprintf("count%d.%d", i, d))
			}
			got := make([]byte, product(counts)*int64(dt.Size()))
			if err := r.ReadBlock(starts, counts, got); err != nil {
				rt.Fatalf("ReadBlock(%v, %v): %v", starts, counts, err)
			}
			if !bytes.Equal(got, ref.box(starts, counts)) {
				rt.Fatalf("ReadBlock(%v, %v) differs from the reference", starts, counts)
			}
		}
	})
}

// TestReadBlockPaths covers the two read strategies (direct run reads and
// gathered reads through the scratch buffer, including groups that need
// several scratch fills) on arrays large enough to choose between them.
func TestReadBlockPaths(t *testing.T) {
	tests := []struct {
		name           string
		dtype          DType
		shape          []int64
		starts, counts []int64
		wantGroup      int64
	}{
		{name: "contiguous rows", dtype: Float64, shape: []int64{64, 1024}, starts: []int64{3, 0}, counts: []int64{10, 1024}, wantGroup: 1},
		{name: "gathered columns", dtype: Float64, shape: []int64{1200, 256}, starts: []int64{0, 7}, counts: []int64{1200, 4}, wantGroup: 512},
		{name: "direct columns", dtype: Float64, shape: []int64{300, 1024}, starts: []int64{0, 7}, counts: []int64{300, 4}, wantGroup: 1},
		{name: "gathered 3-D", dtype: Int16, shape: []int64{5, 40, 600}, starts: []int64{1, 3, 590}, counts: []int64{3, 30, 10}, wantGroup: 874},
		{name: "direct wide gaps", dtype: Float64, shape: []int64{4, 3000, 8}, starts: []int64{0, 100, 0}, counts: []int64{4, 2, 8}, wantGroup: 1},
		{name: "direct long runs", dtype: Uint8, shape: []int64{8, 200000}, starts: []int64{1, 10}, counts: []int64{5, 100000}, wantGroup: 1},
		{name: "single elements", dtype: Int32, shape: []int64{50, 60}, starts: []int64{5, 59}, counts: []int64{45, 1}, wantGroup: 4370},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planRuns(tt.shape, tt.counts)
			if g := gatherGroup(p, int64(tt.dtype.Size())); g != tt.wantGroup {
				t.Fatalf("gatherGroup = %d, want %d", g, tt.wantGroup)
			}
			for _, order := range []ByteOrder{LittleEndian, BigEndian} {
				rng := rand.New(rand.NewPCG(3, uint64(order)))
				ref := newRefArray(rng, tt.dtype, tt.shape)
				path := filepath.Join(t.TempDir(), "a.npy")
				writeArray(t, path, Info{DType: tt.dtype, Shape: tt.shape, Order: order}, ref, nil)
				r, err := Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]byte, product(tt.counts)*int64(tt.dtype.Size()))
				err = r.ReadBlock(tt.starts, tt.counts, got)
				r.Close()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, ref.box(tt.starts, tt.counts)) {
					t.Fatalf("%v-endian read differs from the reference", order)
				}
			}
		})
	}
}
