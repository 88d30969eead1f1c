package hdf5

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkFixtures opens every dataset of the manifest in dir and checks its
// description and contents, whole and in random sub-boxes.
func checkFixtures(t *testing.T, dir string) {
	fixtures := readManifest(t, dir)
	files := map[string]*File{}
	for _, fx := range fixtures {
		if files[fx.file] == nil {
			f, err := Open(filepath.Join(dir, fx.file))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			files[fx.file] = f
		}
	}
	for _, fx := range fixtures {
		t.Run(fx.file+fx.path, func(t *testing.T) {
			t.Parallel()
			d, err := files[fx.file].Dataset(fx.path)
			if err != nil {
				t.Fatal(err)
			}
			info := d.Info()
			if info.DType != fx.dtype || info.Order != fx.order || !slices.Equal(info.Shape, fx.shape) {
				t.Fatalf("info %v %v %v, want %v %v %v", info.DType, info.Order, info.Shape, fx.dtype, fx.order, fx.shape)
			}
			if string(info.Layout) != fx.fields["layout"] {
				t.Errorf("layout %q, want %q", info.Layout, fx.fields["layout"])
			}
			if c, ok := fx.fields["chunk"]; ok && !slices.Equal(info.ChunkShape, parseInts(t, c)) {
				t.Errorf("chunk shape %v, want %s", info.ChunkShape, c)
			}
			if x, ok := fx.fields["index"]; ok && info.ChunkIndex != x {
				t.Errorf("chunk index %q, want %q", info.ChunkIndex, x)
			}
			if got := filterList(info.Filters); got != fx.fields["filters"] {
				t.Errorf("filters %q, want %q", got, fx.fields["filters"])
			}
			want := fx.expected(t)
			got := make([]byte, len(want))
			zero := make([]int64, len(fx.shape))
			if err := d.ReadBlock(zero, fx.shape, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("full read differs:\n got %x\nwant %x", head(got), head(want))
			}
			rng := rand.New(rand.NewPCG(uint64(len(fx.path)), 7))
			es := int64(fx.dtype.Size())
			for k := 0; k < 20 && elements(fx.shape) > 0; k++ {
				starts := make([]int64, len(fx.shape))
				counts := make([]int64, len(fx.shape))
				for i, s := range fx.shape {
					starts[i] = rng.Int64N(s)
					counts[i] = 1 + rng.Int64N(s-starts[i])
				}
				w := subBox(want, fx.shape, starts, counts, es)
				g := make([]byte, len(w))
				if err := d.ReadBlock(starts, counts, g); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(g, w) {
					t.Fatalf("box %v+%v differs:\n got %x\nwant %x", starts, counts, head(g), head(w))
				}
			}
		})
	}
}

func head(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

func TestFixtures(t *testing.T) {
	checkFixtures(t, "testdata")
}

var _ = strings.Cut
