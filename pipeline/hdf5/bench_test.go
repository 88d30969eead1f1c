package hdf5

import (
	"path/filepath"
	"testing"
)

const (
	benchRows = 8192
	benchCols = 1024 // 8192 x 1024 float64 = 64 MiB
	benchBlk  = 128  // rows per ReadBlock: 1 MiB
)

// benchRead reads the whole 64 MiB dataset once per iteration in 1 MiB
// blocks of whole rows.
func benchRead(b *testing.B, d *Dataset) {
	buf := make([]byte, benchBlk*benchCols*8)
	b.SetBytes(benchRows * benchCols * 8)
	b.ResetTimer()
	for b.Loop() {
		for r := int64(0); r < benchRows; r += benchBlk {
			if err := d.ReadBlock([]int64{r, 0}, []int64{benchBlk, benchCols}, buf); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadContiguous reads a 64 MiB contiguous float64 dataset written
// by Writer.
func BenchmarkReadContiguous(b *testing.B) {
	path := filepath.Join(b.TempDir(), "contig.h5")
	w, err := Create(path)
	if err != nil {
		b.Fatal(err)
	}
	dw, err := w.CreateDataset("/data", Float64, []int64{benchRows, benchCols})
	if err != nil {
		b.Fatal(err)
	}
	blk := pattern(Float64, benchBlk*benchCols, 1)
	for r := int64(0); r < benchRows; r += benchBlk {
		if err := dw.WriteBlock([]int64{r, 0}, []int64{benchBlk, benchCols}, blk); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d, err := f.Dataset("/data")
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, d)
}

// BenchmarkReadDeflate reads a 64 MiB float64 dataset stored by h5py in
// deflate-compressed (level 1) chunks of 1 MiB (skipped without h5py).
func BenchmarkReadDeflate(b *testing.B) {
	path := filepath.Join(b.TempDir(), "deflate.h5")
	benchPython(b, `
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    d = f.create_dataset("data", shape=(8192, 1024), dtype="<f8", chunks=(128, 1024), compression="gzip", compression_opts=1)
    for r in range(0, 8192, 1024):
        d[r:r+1024] = np.sin(np.arange(r*1024, (r+1024)*1024, dtype=np.float64) * 1e-4).reshape(1024, 1024).round(3)
`, path)
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	d, err := f.Dataset("/data")
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, d)
}
