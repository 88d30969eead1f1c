package arrayfile

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// Benchmarks over 64 MiB float64 files, moving 1 MiB blocks:
//   - rows: shape [8192, 1024], blocks [128, 1024], one contiguous ReadAt or
//     WriteAt each;
//   - columns: shape [8192, 1024], blocks [8192, 16], 8192 runs of 128 bytes
//     8 KiB apart, read run by run;
//   - narrow: shape [32768, 256], blocks [32768, 4], 32768 runs of 32 bytes
//     2 KiB apart, read gathered through the scratch buffer.

type benchCase struct {
	name         string
	shape, block []int64
}

var benchCases = []benchCase{
	{"rows", []int64{8192, 1024}, []int64{128, 1024}},
	{"columns", []int64{8192, 1024}, []int64{8192, 16}},
	{"narrow", []int64{32768, 256}, []int64{32768, 4}},
}

func benchFile(b *testing.B, order ByteOrder, shape []int64) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.npy")
	ref := newRefArray(rand.New(rand.NewPCG(1, 1)), Float64, shape)
	w, err := Create(path, Info{DType: Float64, Shape: shape, Order: order}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteBlock([]int64{0, 0}, shape, ref.data); err != nil {
		b.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkReadBlock(b *testing.B) {
	for _, order := range []ByteOrder{LittleEndian, BigEndian} {
		for _, bc := range benchCases {
			b.Run(order.String()+"/"+bc.name, func(b *testing.B) {
				path := benchFile(b, order, bc.shape)
				r, err := Open(path, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				blocks := tiles(bc.shape, bc.block)
				dst := make([]byte, 1<<20)
				b.SetBytes(1 << 20)
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					blk := blocks[i%len(blocks)]
					if err := r.ReadBlock(blk.starts, blk.counts, dst); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkReadBlockParallel(b *testing.B) {
	bc := benchCases[0]
	path := benchFile(b, LittleEndian, bc.shape)
	r, err := Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	blocks := tiles(bc.shape, bc.block)
	b.SetBytes(1 << 20)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]byte, 1<<20)
		for i := 0; pb.Next(); i++ {
			blk := blocks[i%len(blocks)]
			if err := r.ReadBlock(blk.starts, blk.counts, dst); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkWriteBlock(b *testing.B) {
	for _, order := range []ByteOrder{LittleEndian, BigEndian} {
		for _, bc := range benchCases {
			b.Run(order.String()+"/"+bc.name, func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "w.npy")
				w, err := Create(path, Info{DType: Float64, Shape: bc.shape, Order: order}, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				blocks := tiles(bc.shape, bc.block)
				src := make([]byte, 1<<20)
				for i := range src {
					src[i] = byte(i * 7)
				}
				b.SetBytes(1 << 20)
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					blk := blocks[i%len(blocks)]
					if err := w.WriteBlock(blk.starts, blk.counts, src); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	path := benchFile(b, LittleEndian, benchCases[0].shape)
	r, err := Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.SetBytes(64 << 20)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Checksum(context.Background(), 0); err != nil {
			b.Fatal(err)
		}
	}
}
