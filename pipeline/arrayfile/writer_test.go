package arrayfile

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"
)

// partials lists the temporary files Create left in dir.
func partials(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.partial-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConcurrentWriteBlock(t *testing.T) {
	for _, order := range []ByteOrder{LittleEndian, BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(order)))
			shape := []int64{37, 29, 11}
			ref := newRefArray(rng, Float32, shape)
			path := filepath.Join(t.TempDir(), "c.npy")
			w, err := Create(path, Info{DType: Float32, Shape: shape, Order: order}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			blocks := tiles(shape, []int64{5, 4, 3})
			rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
			var g errgroup.Group
			const workers = 6
			for k := range workers {
				g.Go(func() error {
					for i := k; i < len(blocks); i += workers {
						b := blocks[i]
						if err := w.WriteBlock(b.starts, b.counts, ref.box(b.starts, b.counts)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			if got, want := w.Written(), int64(len(ref.data)); got != want {
				t.Fatalf("Written() = %d, want %d", got, want)
			}
			winfo := w.Info()
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			// Read back concurrently too.
			r, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Info().DataOffset != winfo.DataOffset {
				t.Fatalf("offsets differ")
			}
			var rg errgroup.Group
			for k := range workers {
				rg.Go(func() error {
					for i := k; i < len(blocks); i += workers {
						b := blocks[i]
						got := make([]byte, product(b.counts)*4)
						if err := r.ReadBlock(b.starts, b.counts, got); err != nil {
							return err
						}
						if !bytes.Equal(got, ref.box(b.starts, b.counts)) {
							return errors.New("concurrent read differs from the reference")
						}
					}
					return nil
				})
			}
			if err := rg.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriterLifecycle(t *testing.T) {
	info := Info{DType: Int16, Shape: []int64{4, 3}}
	data := make([]byte, 24)
	for i := range data {
		data[i] = byte(i)
	}
	all := func(w *Writer) error { return w.WriteBlock([]int64{0, 0}, []int64{4, 3}, data) }

	t.Run("destination appears only on commit", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "x.npy")
		w, err := Create(path, info, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := all(w); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("destination exists before Commit: %v", err)
		}
		if p := partials(t, dir); len(p) != 1 || p[0] != w.TempPath() || !strings.HasPrefix(filepath.Base(p[0]), ".x.npy.partial-") {
			t.Fatalf("temporary files %v, TempPath %q", p, w.TempPath())
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 || st.Size() != 128+24 {
			t.Fatalf("committed file mode %v size %d, want 0644 and %d", st.Mode().Perm(), st.Size(), 128+24)
		}
		if p := partials(t, dir); len(p) != 0 {
			t.Fatalf("temporary files left after Commit: %v", p)
		}
		wantErr(t, w.WriteBlock([]int64{0, 0}, []int64{0, 0}, nil), "already closed")
		if err := w.Commit(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Commit = %v, want ErrClosed", err)
		}
		if err := w.Abort(); err != nil {
			t.Fatalf("Abort after Commit = %v, want nil", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("Abort after Commit removed the file: %v", err)
		}
	})

	t.Run("close without commit discards", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "y.npy")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := Create(path, info, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := all(w); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("second Close = %v", err)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Fatalf("destination changed to %q", got)
		}
		if p := partials(t, dir); len(p) != 0 {
			t.Fatalf("temporary files left after Close: %v", p)
		}
		if err := w.Commit(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Commit after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("commit replaces existing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "z.raw")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := Create(path, Info{DType: Uint8, Shape: []int64{3}}, &CreateOptions{Perm: 0o600})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteBlock([]int64{0}, []int64{3}, []byte("new")); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		st, _ := os.Stat(path)
		if string(got) != "new" || st.Mode().Perm() != 0o600 {
			t.Fatalf("after Commit: %q mode %v", got, st.Mode().Perm())
		}
	})

	t.Run("no overwrite", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "n.npy")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Create(path, info, &CreateOptions{NoOverwrite: true})
		wantErr(t, err, "arrayfile: create "+path, "destination exists")
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("error %v does not match fs.ErrExist", err)
		}
		// The destination appears while writing: Commit keeps it.
		path2 := filepath.Join(dir, "m.npy")
		w, err := Create(path2, info, &CreateOptions{NoOverwrite: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path2, []byte("raced"), 0o600); err != nil {
			t.Fatal(err)
		}
		err = w.Commit()
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("Commit = %v, want fs.ErrExist", err)
		}
		if got, _ := os.ReadFile(path2); string(got) != "raced" {
			t.Fatalf("destination overwritten: %q", got)
		}
		if p := partials(t, dir); len(p) != 0 {
			t.Fatalf("temporary files left after failed Commit: %v", p)
		}
		// And without a race it links into place.
		path3 := filepath.Join(dir, "k.npy")
		w, err = Create(path3, info, &CreateOptions{NoOverwrite: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := all(w); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if p := partials(t, dir); len(p) != 0 {
			t.Fatalf("temporary files left after Commit: %v", p)
		}
		checkArrayFile(t, path3, Info{Format: FormatNPY, DType: Int16, Shape: []int64{4, 3}, DataOffset: 128, NPYVersion: 1},
			refArray{dtype: Int16, shape: []int64{4, 3}, data: data}, rand.New(rand.NewPCG(1, 1)))
	})

	t.Run("unwritten blocks read as zero", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "s.npy")
		w, err := Create(path, info, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteBlock([]int64{1, 1}, []int64{1, 2}, []byte{1, 0, 2, 0}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got := make([]byte, 24)
		if err := r.ReadBlock([]int64{0, 0}, []int64{4, 3}, got); err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 24)
		copy(want[8:], []byte{1, 0, 2, 0})
		if !bytes.Equal(got, want) {
			t.Fatalf("read %v, want %v", got, want)
		}
	})
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		path    string
		info    Info
		wantErr string
	}{
		{name: "no dtype", path: "a.npy", info: Info{Shape: []int64{1}}, wantErr: "invalid element type DType(0)"},
		{name: "no shape", path: "a.npy", info: Info{DType: Float64}, wantErr: "shape is required"},
		{name: "negative dim", path: "a.npy", info: Info{DType: Float64, Shape: []int64{2, -2}}, wantErr: "dimension 1 is negative"},
		{name: "overflow", path: "a.npy", info: Info{DType: Float64, Shape: []int64{1 << 31, 1 << 31}}, wantErr: "byte size overflows int64"},
		{name: "bad order", path: "a.npy", info: Info{DType: Float64, Shape: []int64{1}, Order: 5}, wantErr: "invalid byte order ByteOrder(5)"},
		{name: "data offset", path: "a.npy", info: Info{DType: Float64, Shape: []int64{1}, DataOffset: 10}, wantErr: "DataOffset is set by Create"},
		{name: "npy version 3", path: "a.npy", info: Info{DType: Float64, Shape: []int64{1}, NPYVersion: 3}, wantErr: "version 3 cannot be written"},
		{name: "raw version", path: "a.raw", info: Info{DType: Float64, Shape: []int64{1}, NPYVersion: 1}, wantErr: "NPYVersion=1 given for a raw file"},
		{name: "bad format", path: "a.npy", info: Info{Format: "hdf5", DType: Float64, Shape: []int64{1}}, wantErr: `unknown format "hdf5"`},
		{name: "destination is a directory", path: ".", info: Info{DType: Float64, Shape: []int64{1}}, wantErr: "destination is a directory"},
		{name: "missing dir", path: "nope/a.npy", info: Info{DType: Float64, Shape: []int64{1}}, wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.path)
			w, err := Create(path, tt.info, nil)
			if err == nil {
				w.Close()
			}
			wantErr(t, err, "arrayfile: create "+path+": ", tt.wantErr)
		})
	}
	if p := partials(t, dir); len(p) != 0 {
		t.Fatalf("failed Create left %v", p)
	}
}

func TestWriteBlockErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.npy")
	w, err := Create(path, Info{DType: Float64, Shape: []int64{3, 4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tests := []struct {
		name           string
		starts, counts []int64
		n              int
		wantErr        string
	}{
		{name: "out of range", starts: []int64{2, 0}, counts: []int64{2, 4}, n: 64, wantErr: "block starts [2 0] counts [2 4] is out of range of shape [3 4] in dimension 0"},
		{name: "rank", starts: []int64{0}, counts: []int64{3}, n: 24, wantErr: "rank must be 2"},
		{name: "short src", starts: []int64{0, 0}, counts: []int64{1, 4}, n: 31, wantErr: "block counts [1 4] of float64 needs 32 bytes, got 31"},
		{name: "long src", starts: []int64{0, 0}, counts: []int64{0, 4}, n: 8, wantErr: "needs 0 bytes, got 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.WriteBlock(tt.starts, tt.counts, make([]byte, tt.n))
			wantErr(t, err, "arrayfile: write "+path+": ", tt.wantErr)
			if !errors.Is(err, ErrBlock) {
				t.Fatalf("error %v does not match ErrBlock", err)
			}
		})
	}
	if w.Written() != 0 {
		t.Fatalf("failed writes counted: Written() = %d", w.Written())
	}
}

// TestCloseWaitsForWrites runs Abort concurrently with writes: every write
// either succeeds or reports ErrClosed, never a use of a closed file.
func TestCloseWaitsForWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.npy")
	w, err := Create(path, Info{DType: Uint8, Shape: []int64{1 << 16}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for k := range 4 {
		wg.Go(func() {
			buf := make([]byte, 1024)
			for i := 0; ; i++ {
				off := int64((i*4 + k) % 64 * 1024)
				if err := w.WriteBlock([]int64{off}, []int64{1024}, buf); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("write racing Abort failed with %v, want ErrClosed", err)
		}
	}
}
