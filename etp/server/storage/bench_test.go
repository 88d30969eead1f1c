package storage

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBlocks measures WriteBlock and ReadBlock throughput on a 256 MiB
// float64 array in 1 MiB blocks, cycling through the array:
//
//	go test -run '^$' -bench BenchmarkBlocks -benchtime 512x ./etp/server/storage/
//
// "write" is an auto-committed in-place write (with the fsyncs of the mode),
// "write-tx" writes into an array created by an open transaction (fsync
// happens at Commit, outside the timer), "read" reads committed blocks.
func BenchmarkBlocks(b *testing.B) {
	const total, block = 256 << 20, 1 << 20
	const elems, blockElems = total / 8, block / 8
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			db := m.open(b, nil)
			k := ArrayKey{URI: "eml:///eml20.obj_EpcExternalPartReference(1)", Path: "/bench"}
			meta := ArrayMeta{Dimensions: []int64{elems}, Kind: KindFloat64}
			if _, err := db.CreateArray(k, meta); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, block)
			fillRandom(rand.New(rand.NewPCG(1, 2)), buf)
			for i := range total / block {
				if err := db.WriteBlock(k, []int64{int64(i) * blockElems}, []int64{blockElems}, buf); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("write", func(b *testing.B) {
				b.SetBytes(block)
				i := 0
				for b.Loop() {
					if err := db.WriteBlock(k, []int64{int64(i%(total/block)) * blockElems}, []int64{blockElems}, buf); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("write-tx", func(b *testing.B) {
				tx, err := db.Begin(nil)
				if err != nil {
					b.Fatal(err)
				}
				kt := ArrayKey{URI: k.URI, Path: "/bench-tx"}
				if _, err := tx.CreateArray(kt, meta); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(block)
				i := 0
				for b.Loop() {
					if err := tx.WriteBlock(kt, []int64{int64(i%(total/block)) * blockElems}, []int64{blockElems}, buf); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.StopTimer()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			})
			b.Run("read", func(b *testing.B) {
				b.SetBytes(block)
				i := 0
				for b.Loop() {
					if err := db.ReadBlock(k, []int64{int64(i%(total/block)) * blockElems}, []int64{blockElems}, buf); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		})
	}
}
