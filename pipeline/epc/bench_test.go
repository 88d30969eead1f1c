package epc

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// benchObjects returns n Grid2dRepresentation objects sharing one CRS and
// one proxy, as a typical model package holds.
func benchObjects(n int) [][]byte {
	out := [][]byte{crs20(uuidCrs20, "crs"), proxy20(uuidProxy20, "hdf")}
	for i := 0; i < n; i++ {
		out = append(out, grid20(fmt.Sprintf("0a2b3c4d-0000-4000-8000-%012x", 0x1000+i), uuidCrs20, uuidProxy20))
	}
	return out
}

func writeBench(b *testing.B, name string, objs [][]byte) int64 {
	w, err := Create(name, nil)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, x := range objs {
		if _, err := w.Add(x); err != nil {
			b.Fatal(err)
		}
		n += int64(len(x))
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkWrite writes a package of 1000 objects.
func BenchmarkWrite(b *testing.B) {
	objs := benchObjects(1000)
	name := filepath.Join(b.TempDir(), "bench.epc")
	var n int64
	for _, x := range objs {
		n += int64(len(x))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		writeBench(b, name, objs)
	}
	b.ReportMetric(float64(len(objs)), "objects/op")
}

// BenchmarkOpen opens a package of 1000 objects (every part read and scanned).
func BenchmarkOpen(b *testing.B) {
	name := filepath.Join(b.TempDir(), "bench.epc")
	n := writeBench(b, name, benchObjects(1000))
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		p, err := Open(context.Background(), name, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Objects()) != 1002 {
			b.Fatal("wrong object count")
		}
		p.Close()
	}
}
