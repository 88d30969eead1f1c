package hdf5

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func openFixture(t *testing.T, name string) *File {
	t.Helper()
	f, err := Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestSuperblockVersions(t *testing.T) {
	for name, want := range map[string]int{"earliest.h5": 0, "v108.h5": 2, "latest.h5": 3, "userblock.h5": 0} {
		if got := openFixture(t, name).SuperblockVersion(); got != want {
			t.Errorf("%s: superblock version %d, want %d", name, got, want)
		}
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name, file, path string
		want             string // path of the dataset it must read like, or ""
		err              error
		msg              string
	}{
		{"absolute soft link", "earliest.h5", "/soft", "/ints/int32", nil, ""},
		{"relative soft link", "earliest.h5", "/nd/relsoft", "/nd/d2", nil, ""},
		{"soft link in new-style group", "latest.h5", "/soft", "/fixed", nil, ""},
		{"soft link in dense group", "latest.h5", "/dense/sub", "/fixed", nil, ""},
		{"path without leading slash", "earliest.h5", "nd/d3", "/nd/d3", nil, ""},
		{"hard link in old-style group", "earliest.h5", "/many/link123", "/nd/d1", nil, ""},
		{"hard link in dense group", "latest.h5", "/dense/ds299", "/contiguous", nil, ""},
		{"creation-ordered group", "latest.h5", "/ordered/o07", "/compact", nil, ""},
		{"dangling soft link", "earliest.h5", "/dangling", "", ErrNotFound, "soft link to /no/such/object"},
		{"external link", "earliest.h5", "/external", "", ErrUnsupported, "external link to other.h5:/data"},
		{"external link latest", "latest.h5", "/external", "", ErrUnsupported, "external link"},
		{"virtual dataset", "latest.h5", "/virtual", "", ErrUnsupported, "/virtual is a virtual dataset"},
		{"group", "earliest.h5", "/nd", "", ErrNotFound, "is a group"},
		{"missing", "latest.h5", "/nope", "", ErrNotFound, `no object named "nope"`},
		{"missing below dataset", "latest.h5", "/fixed/x", "", ErrNotFound, "/fixed is not a group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := openFixture(t, tc.file)
			d, err := f.Dataset(tc.path)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("error %v, want %v containing %q", err, tc.err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w, err := f.Dataset(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(d.Info()) != fmt.Sprint(w.Info()) {
				t.Fatalf("info %+v, want %+v", d.Info(), w.Info())
			}
			a, b := readAll(t, d), readAll(t, w)
			if string(a) != string(b) {
				t.Fatal("contents differ")
			}
		})
	}
}

func readAll(t *testing.T, d *Dataset) []byte {
	t.Helper()
	info := d.Info()
	b := make([]byte, info.Elements()*int64(info.DType.Size()))
	if err := d.ReadBlock(make([]int64, len(info.Shape)), info.Shape, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestObjects(t *testing.T) {
	f := openFixture(t, "latest.h5")
	objs, err := f.Objects()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(objs, func(a, b Object) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("objects not sorted by path")
	}
	kinds := map[string]Kind{}
	var dense int
	for _, o := range objs {
		kinds[o.Path] = o.Kind
		if strings.HasPrefix(o.Path, "/dense/ds") {
			dense++
		}
	}
	if dense != 300 {
		t.Errorf("%d links in /dense, want 300", dense)
	}
	for p, k := range map[string]Kind{"/dense": KindGroup, "/soft": KindSoft, "/external": KindExternal,
		"/virtual": KindDataset, "/fixed": KindDataset, "/ordered/o19": KindDataset, "/dense/sub": KindSoft} {
		if kinds[p] != k {
			t.Errorf("%s: kind %q, want %q", p, kinds[p], k)
		}
	}
	for _, o := range objs {
		wantErr := o.Path == "/virtual" || o.Path == "/external"
		if (o.Err != nil) != wantErr {
			t.Errorf("%s: Err %v", o.Path, o.Err)
		}
	}
}

func TestWalk(t *testing.T) {
	tests := []struct {
		file    string
		count   int
		errPart string
	}{
		{"v108.h5", 22, ""},
		{"earliest.h5", 0, "/external is an external link"},
		{"latest.h5", 0, "/external is an external link"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f := openFixture(t, tc.file)
			var paths []string
			err := f.Walk(func(p string, d *Dataset) error {
				if d.Path() != p {
					t.Errorf("dataset path %q, walked %q", d.Path(), p)
				}
				paths = append(paths, p)
				return nil
			})
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) || !errors.Is(err, ErrUnsupported) {
					t.Fatalf("error %v, want one containing %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != tc.count || !slices.IsSorted(paths) {
				t.Fatalf("walked %d paths %v, want %d sorted", len(paths), paths, tc.count)
			}
		})
	}
	t.Run("SkipAll", func(t *testing.T) {
		n := 0
		err := openFixture(t, "v108.h5").Walk(func(string, *Dataset) error { n++; return SkipAll })
		if err != nil || n != 1 {
			t.Fatalf("err %v after %d calls, want nil after 1", err, n)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		boom := errors.New("boom")
		err := openFixture(t, "v108.h5").Walk(func(string, *Dataset) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err %v, want boom", err)
		}
	})
}

func TestClosed(t *testing.T) {
	f, err := Open(filepath.Join("testdata", "latest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Dataset("/fixed")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	buf := make([]byte, 8)
	if err := d.ReadBlock([]int64{0, 0}, []int64{1, 1}, buf); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadBlock after Close: %v", err)
	}
	if _, err := f.Dataset("/fixed"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Dataset after Close: %v", err)
	}
}

func TestBadBlocks(t *testing.T) {
	d, err := openFixture(t, "latest.h5").Dataset("/fixed")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		starts, counts []int64
		n              int
	}{
		{"wrong rank", []int64{0}, []int64{1}, 8},
		{"negative start", []int64{-1, 0}, []int64{1, 1}, 8},
		{"past the end", []int64{12, 0}, []int64{2, 1}, 16},
		{"buffer too small", []int64{0, 0}, []int64{2, 2}, 24},
		{"negative count", []int64{0, 0}, []int64{-1, 1}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.ReadBlock(tc.starts, tc.counts, make([]byte, tc.n))
			if !errors.Is(err, ErrBlock) || !strings.Contains(err.Error(), "/fixed") {
				t.Fatalf("error %v, want ErrBlock naming the dataset", err)
			}
		})
	}
}

func TestNotHDF5(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     {},
		"text":      []byte("hello world, this is not an HDF5 file at all"),
		"truncated": append([]byte("\x89HDF\r\n\x1a\n"), 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := OpenReaderAt(strings.NewReader(string(data)), int64(len(data)), name)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	tests := []struct {
		path, msg string
	}{
		{"/lzf", "filter 32000 (lzf)"},
		{"/strings", "fixed-length string type"},
		{"/vlen_strings", "variable-length string type"},
		{"/compound", "compound type"},
		{"/float16", "2-byte floating-point type"},
		{"/enum", "enum type with 3 members"},
		{"/complex", "compound type"},
	}
	f := openFixture(t, "refused.h5")
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := f.Dataset(tc.path)
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %v, want ErrUnsupported naming %s and %q", err, tc.path, tc.msg)
			}
		})
	}
	objs, err := f.Objects()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if (o.Err == nil) != (o.Path == "/ok") {
			t.Errorf("%s: Err %v", o.Path, o.Err)
		}
	}
	if err := f.Walk(func(string, *Dataset) error { return nil }); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "/complex") {
		t.Fatalf("Walk: %v, want the first refused dataset in path order (/complex)", err)
	}
}
