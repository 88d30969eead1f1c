package hdf5

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// exercise opens b as an HDF5 file, lists it, reads the attributes of every
// object and a small block of every dataset. Every error must match one of
// the package's sentinels; nothing may panic.
func exercise(t *testing.T, b []byte) {
	check := func(err error) {
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrNotFound) {
			t.Fatalf("error matches no sentinel: %v", err)
		}
	}
	f, err := OpenReaderAt(bytes.NewReader(b), int64(len(b)), "fuzz.h5")
	if err != nil {
		check(err)
		return
	}
	defer f.Close()
	objs, err := f.Objects()
	check(err)
	_, err = f.Attributes("/")
	check(err)
	for _, o := range objs {
		if o.Kind != KindDataset || o.Err != nil {
			continue
		}
		d, err := f.Dataset(o.Path)
		if err != nil {
			check(err)
			continue
		}
		_, err = d.Attributes()
		check(err)
		info := d.Info()
		counts := make([]int64, len(info.Shape))
		n := int64(1)
		for i, s := range info.Shape {
			counts[i] = min(s, 16)
			n *= counts[i]
		}
		if n > 1<<16 {
			continue
		}
		buf := make([]byte, n*int64(info.DType.Size()))
		check(d.ReadBlock(make([]int64, len(counts)), counts, buf))
	}
}

func FuzzOpen(f *testing.F) {
	for _, name := range []string{"earliest.h5", "latest.h5", "v108.h5"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "w.h5")
	w, err := Create(path)
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range DTypes() {
		if _, err := w.CreateDataset("/g/"+d.String(), d, []int64{2, 3}); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("\x89HDF\r\n\x1a\n\x02\x08\x08\x00"))
	f.Fuzz(exercise)
}

// TestCorruptFixtures flips bytes all over the committed fixtures: every
// variant must open or fail with a sentinel error, never panic.
func TestCorruptFixtures(t *testing.T) {
	for _, name := range []string{"earliest.h5", "latest.h5", "v108.h5"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			orig, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			step := len(orig) / 100
			for off := 0; off < len(orig); off += step {
				b := bytes.Clone(orig)
				b[off] ^= 0xff
				exercise(t, b)
				exercise(t, b[:off]) // truncated
			}
		})
	}
}
