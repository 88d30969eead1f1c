package hdf5

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// TestConcurrentReads reads random boxes of chunked datasets (sharing one
// File and its chunk cache) from several goroutines and checks every box.
func TestConcurrentReads(t *testing.T) {
	fixtures := readManifest(t, "testdata")
	f := openFixture(t, "latest.h5")
	var cases []fixture
	for _, fx := range fixtures {
		if fx.file == "latest.h5" && fx.fields["layout"] == "chunked" && elements(fx.shape) > 0 {
			cases = append(cases, fx)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 6; g++ {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 99))
			for k := 0; k < 60; k++ {
				fx := cases[rng.IntN(len(cases))]
				d, err := f.Dataset(fx.path)
				if err != nil {
					errs <- err.Error()
					return
				}
				want := fx.expected(t)
				starts := make([]int64, len(fx.shape))
				counts := make([]int64, len(fx.shape))
				for i, s := range fx.shape {
					starts[i] = rng.Int64N(s)
					counts[i] = 1 + rng.Int64N(s-starts[i])
				}
				es := int64(fx.dtype.Size())
				w := subBox(want, fx.shape, starts, counts, es)
				got := make([]byte, len(w))
				if err := d.ReadBlock(starts, counts, got); err != nil {
					errs <- err.Error()
					return
				}
				if !bytes.Equal(got, w) {
					errs <- fx.path + ": box differs"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestConcurrentWrites writes the rows of one dataset from several
// goroutines and reads the result back.
func TestConcurrentWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.h5")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const rows, cols = 64, 33
	dw, err := w.CreateDataset("/m", Int64, []int64{rows, cols})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for r := int64(g); r < rows; r += 4 {
				b := make([]byte, cols*8)
				for c := int64(0); c < cols; c++ {
					binary.LittleEndian.PutUint64(b[c*8:], uint64(r*1000+c))
				}
				if err := dw.WriteBlock([]int64{r, 0}, []int64{1, cols}, b); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.Dataset("m")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, d)
	for i := int64(0); i < rows*cols; i++ {
		if v := binary.LittleEndian.Uint64(got[i*8:]); v != uint64((i/cols)*1000+i%cols) {
			t.Fatalf("element %d = %d", i, v)
		}
	}
}

func TestInfoFillValue(t *testing.T) {
	tests := []struct {
		file, path string
		want       []byte
	}{
		{"earliest.h5", "/chunked/sparse", binary.LittleEndian.AppendUint16(nil, uint16(0xffff-6))},
		{"latest.h5", "/fixed_sparse", binary.LittleEndian.AppendUint32(nil, 99)},
		{"latest.h5", "/btree2_sparse", binary.LittleEndian.AppendUint32(nil, 0xbfc00000)},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			d, err := openFixture(t, tc.file).Dataset(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Info().FillValue; !slices.Equal(got, tc.want) {
				t.Fatalf("fill value %x, want %x", got, tc.want)
			}
		})
	}
}
