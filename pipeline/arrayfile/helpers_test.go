package arrayfile

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// refArray is the in-test reference: an array held in memory as
// little-endian element bytes in row-major order, with an element-by-element
// sub-box extraction that shares no code with the package's run logic.
type refArray struct {
	dtype DType
	shape []int64
	data  []byte
}

func product(s []int64) int64 {
	n := int64(1)
	for _, d := range s {
		n *= d
	}
	return n
}

// newRefArray fills an array with random values (0 or 1 for Bool).
func newRefArray(rng *rand.Rand, d DType, shape []int64) refArray {
	size := d.Size()
	data := make([]byte, product(shape)*int64(size))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if d == Bool {
		for i := range data {
			data[i] &= 1
		}
	}
	return refArray{dtype: d, shape: slices.Clone(shape), data: data}
}

// box returns the sub-box (starts, counts) as little-endian bytes, one
// element at a time.
func (a refArray) box(starts, counts []int64) []byte {
	size := int64(a.dtype.Size())
	n := product(counts)
	out := make([]byte, n*size)
	idx := make([]int64, len(counts))
	for e := int64(0); e < n; e++ {
		rem := e
		for d := len(counts) - 1; d >= 0; d-- {
			idx[d] = rem % counts[d]
			rem /= counts[d]
		}
		lin := int64(0)
		for d := range a.shape {
			lin = lin*a.shape[d] + starts[d] + idx[d]
		}
		copy(out[e*size:(e+1)*size], a.data[lin*size:(lin+1)*size])
	}
	return out
}

// fileBytes returns the array's data as it must appear on disk in order o.
func (a refArray) fileBytes(o ByteOrder) []byte {
	out := bytes.Clone(a.data)
	if o == BigEndian {
		size := a.dtype.Size()
		for i := 0; i+size <= len(out); i += size {
			slices.Reverse(out[i : i+size])
		}
	}
	return out
}

type block struct{ starts, counts []int64 }

// tiles splits shape into blocks of at most blk elements per dimension, in
// row-major order of the blocks; an empty array gives one empty block.
func tiles(shape, blk []int64) []block {
	if product(shape) == 0 {
		return []block{{starts: make([]int64, len(shape)), counts: slices.Clone(shape)}}
	}
	var out []block
	starts := make([]int64, len(shape))
	for {
		counts := make([]int64, len(shape))
		for d := range shape {
			counts[d] = min(blk[d], shape[d]-starts[d])
		}
		out = append(out, block{starts: slices.Clone(starts), counts: counts})
		d := len(shape) - 1
		for ; d >= 0; d-- {
			starts[d] += blk[d]
			if starts[d] < shape[d] {
				break
			}
			starts[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

// randomBox picks a random (possibly empty) sub-box of shape.
func randomBox(rng *rand.Rand, shape []int64) block {
	b := block{starts: make([]int64, len(shape)), counts: make([]int64, len(shape))}
	for d, n := range shape {
		b.starts[d] = rng.Int64N(n + 1)
		b.counts[d] = rng.Int64N(n - b.starts[d] + 1)
	}
	return b
}

// fataler is what the helpers need of *testing.T, *testing.B and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// writeArray writes ref to path through Create / WriteBlock / Commit, in
// blocks of blk (nil: one block), and returns the Writer's Info.
func writeArray(t fataler, path string, info Info, ref refArray, blk []int64) Info {
	t.Helper()
	w, err := Create(path, info, nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer w.Close()
	if blk == nil {
		blk = ref.shape
	}
	for _, b := range tiles(ref.shape, blk) {
		if err := w.WriteBlock(b.starts, b.counts, ref.box(b.starts, b.counts)); err != nil {
			t.Fatalf("WriteBlock(%v, %v): %v", b.starts, b.counts, err)
		}
	}
	got := w.Info()
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return got
}

// buildNPY assembles an npy file by hand: magic, version, the header length
// field, the header text as given (no padding added) and data.
func buildNPY(major byte, header string, data []byte) []byte {
	b := []byte("\x93NUMPY")
	b = append(b, major, 0)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	b = append(b, header...)
	return append(b, data...)
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr fails unless err is non-nil and contains every fragment.
func wantErr(t testing.TB, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not contain %q", err, f)
		}
	}
}
