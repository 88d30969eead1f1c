package arrayfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenErrors(t *testing.T) {
	f8 := func(shape string, dataLen int) []byte {
		h, _ := encodeNPYHeaderText(canonical("<f8", shape))
		return append(h, make([]byte, dataLen)...)
	}
	tests := []struct {
		name    string
		file    string
		data    []byte
		opts    *OpenOptions
		wantErr []string
		kind    error
	}{
		{name: "truncated npy", file: "t.npy", data: f8("(3, 4)", 88),
			wantErr: []string{"file truncated: shape [3 4] of float64 needs 96 data bytes after the 128-byte header, the file has 88"}, kind: ErrInvalid},
		{name: "truncated inside header", file: "h.npy", data: f8("(3, 4)", 0)[:100],
			wantErr: []string{"npy header truncated: header length is 118 bytes, only 90 follow the prelude"}, kind: ErrInvalid},
		{name: "overlong npy", file: "o.npy", data: f8("(3,)", 32),
			wantErr: []string{"file too long: shape [3] of float64 needs 24 data bytes after the 128-byte header, the file has 32"}, kind: ErrInvalid},
		{name: "empty file", file: "e.npy", data: nil, wantErr: []string{`not an npy file: bad magic ""`}, kind: ErrInvalid},
		{name: "bad magic", file: "m.npy", data: []byte("PK\x03\x04 this is a zip"), wantErr: []string{`bad magic "PK\x03\x04 t"`}, kind: ErrInvalid},
		{name: "bad header", file: "b.npy", data: buildNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)", nil),
			wantErr: []string{"npy header is not a valid Python literal"}, kind: ErrInvalid},
		{name: "fortran order", file: "f.npy", data: buildNPY(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", make([]byte, 32)),
			wantErr: []string{"fortran_order is True", "numpy.ascontiguousarray"}, kind: ErrUnsupported},
		{name: "unknown descr", file: "c.npy", data: buildNPY(1, canonical("<c16", "(2,)"), make([]byte, 32)),
			wantErr: []string{`descr "<c16" is not supported`}, kind: ErrUnsupported},
		{name: "npy dtype mismatch", file: "d.npy", data: f8("(3,)", 24), opts: &OpenOptions{DType: Float32},
			wantErr: []string{"element type is float64, want float32"}, kind: ErrInvalid},
		{name: "npy shape mismatch", file: "s.npy", data: f8("(3,)", 24), opts: &OpenOptions{Shape: []int64{4}},
			wantErr: []string{"shape is [3], want [4]"}, kind: ErrInvalid},
		{name: "npy with raw offset", file: "s.npy", data: f8("(3,)", 24), opts: &OpenOptions{Offset: 8},
			wantErr: []string{"option Offset=8 applies to raw files only"}},
		{name: "raw shape mismatch", file: "r.bin", data: make([]byte, 100), opts: &OpenOptions{DType: Float64, Shape: []int64{3, 4}},
			wantErr: []string{"file too long: shape [3 4] of float64 needs 96 data bytes, the file has 100 (wrong shape or type?)"}, kind: ErrInvalid},
		{name: "raw truncated", file: "r.bin", data: make([]byte, 90), opts: &OpenOptions{DType: Float64, Shape: []int64{3, 4}},
			wantErr: []string{"file truncated: shape [3 4] of float64 needs 96 data bytes, the file has 90"}, kind: ErrInvalid},
		{name: "raw offset beyond file", file: "r.bin", data: make([]byte, 10), opts: &OpenOptions{DType: Uint8, Shape: []int64{0}, Offset: 20},
			wantErr: []string{"needs 0 data bytes after the 20-byte header, but the file has only 10 bytes"}, kind: ErrInvalid},
		{name: "raw without dtype", file: "r.bin", data: make([]byte, 8), opts: &OpenOptions{Shape: []int64{1}},
			wantErr: []string{"raw file needs an element type (OpenOptions.DType)"}},
		{name: "npy content under another name", file: "r.dat", data: f8("(3,)", 24),
			wantErr: []string{"raw file needs an element type (OpenOptions.DType), got DType(0) (the name does not end in .npy, so it is read as raw; set OpenOptions.Format for an npy file)"}},
		{name: "raw without shape", file: "r.bin", data: make([]byte, 8), opts: &OpenOptions{DType: Float64},
			wantErr: []string{"raw file needs a shape (OpenOptions.Shape)"}},
		{name: "raw negative dim", file: "r.bin", data: make([]byte, 8), opts: &OpenOptions{DType: Float64, Shape: []int64{-1}},
			wantErr: []string{"dimension 0 is negative"}},
		{name: "raw bad order", file: "r.bin", data: make([]byte, 8), opts: &OpenOptions{DType: Float64, Shape: []int64{1}, Order: 2},
			wantErr: []string{"invalid byte order ByteOrder(2)"}},
		{name: "npy by option despite extension", file: "x.dat", data: []byte("not npy at all"), opts: &OpenOptions{Format: FormatNPY},
			wantErr: []string{"not an npy file"}, kind: ErrInvalid},
		{name: "unknown format", file: "x.dat", data: nil, opts: &OpenOptions{Format: "zarr"},
			wantErr: []string{`unknown format "zarr"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.data)
			r, err := Open(path, tt.opts)
			if err == nil {
				r.Close()
			}
			wantErr(t, err, append([]string{"arrayfile: open " + path + ": "}, tt.wantErr...)...)
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Fatalf("error %q does not match %v", err, tt.kind)
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.npy")
		_, err := Open(path, nil)
		wantErr(t, err, "arrayfile: open "+path)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error %v does not match fs.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Open(dir, &OpenOptions{DType: Uint8, Shape: []int64{0}})
		wantErr(t, err, "not a regular file")
	})
}

// encodeNPYHeaderText wraps a dict in a v1 prelude with NumPy's padding.
func encodeNPYHeaderText(dict string) ([]byte, error) {
	dict += "                    " // 20 growth spaces, for a 1-digit first dimension
	hlen := len(dict) + 1
	pad := npyAlign - (10+hlen)%npyAlign
	return buildNPY(1, dict+string(bytes.Repeat([]byte{' '}, pad))+"\n", nil), nil
}

func TestReadBlockErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	ref := newRefArray(rng, Int32, []int64{4, 6})
	path := filepath.Join(t.TempDir(), "r.npy")
	writeArray(t, path, Info{DType: Int32, Shape: ref.shape}, ref, nil)
	r, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		starts, counts []int64
		n              int
		wantErr        string
	}{
		{name: "out of range", starts: []int64{0, 5}, counts: []int64{1, 2}, n: 8, wantErr: "block starts [0 5] counts [1 2] is out of range of shape [4 6] in dimension 1"},
		{name: "negative", starts: []int64{-1, 0}, counts: []int64{1, 2}, n: 8, wantErr: "dimension 0 is negative"},
		{name: "rank", starts: []int64{0, 0, 0}, counts: []int64{1, 1, 1}, n: 4, wantErr: "rank must be 2"},
		{name: "short dst", starts: []int64{0, 0}, counts: []int64{2, 2}, n: 15, wantErr: "block counts [2 2] of int32 needs a 16-byte buffer, got 15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.ReadBlock(tt.starts, tt.counts, make([]byte, tt.n))
			wantErr(t, err, "arrayfile: read "+path+": ", tt.wantErr)
			if !errors.Is(err, ErrBlock) {
				t.Fatalf("error %v does not match ErrBlock", err)
			}
		})
	}

	t.Run("file shrank", func(t *testing.T) {
		if err := os.Truncate(path, 128+40); err != nil {
			t.Fatal(err)
		}
		err := r.ReadBlock([]int64{1, 0}, []int64{3, 6}, make([]byte, 72))
		wantErr(t, err, "arrayfile: read "+path+": short read of 72 bytes at offset 152, got 16: the file shrank after it was opened")
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v does not match ErrInvalid", err)
		}
		_, err = r.Checksum(context.Background(), 0)
		wantErr(t, err, "arrayfile: checksum "+path+": short read")
	})

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	err = r.ReadBlock([]int64{0, 0}, []int64{1, 1}, make([]byte, 4))
	wantErr(t, err, "arrayfile: read "+path+": already closed")
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadBlock after Close = %v, want ErrClosed", err)
	}
	if _, err := r.Checksum(context.Background(), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Checksum after Close = %v, want ErrClosed", err)
	}
}

func TestChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ref := newRefArray(rng, Float64, []int64{300, 700}) // 1.6 MiB: several buffers
	want := sha256.Sum256(ref.data)
	dir := t.TempDir()
	tests := []struct {
		name       string
		info       Info
		blockElems int64
	}{
		{name: "npy little default buffer", info: Info{Format: FormatNPY, DType: Float64, Shape: ref.shape}},
		{name: "npy big small buffer", info: Info{Format: FormatNPY, DType: Float64, Shape: ref.shape, Order: BigEndian}, blockElems: 1000},
		{name: "raw big huge buffer request", info: Info{Format: FormatRaw, DType: Float64, Shape: ref.shape, Order: BigEndian}, blockElems: 1 << 40},
		{name: "raw one element buffer", info: Info{Format: FormatRaw, DType: Float64, Shape: ref.shape}, blockElems: 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, string(rune('a'+i))+"."+string(tt.info.Format))
			writeArray(t, path, tt.info, ref, []int64{128, 128})
			r, err := Open(path, &OpenOptions{Format: tt.info.Format, DType: Float64, Shape: ref.shape, Order: tt.info.Order})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := r.Checksum(context.Background(), tt.blockElems)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("checksum %x, want %x", got, want)
			}
		})
	}
	t.Run("canceled", func(t *testing.T) {
		path := filepath.Join(dir, "a.npy")
		r, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = r.Checksum(ctx, 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Checksum with canceled context = %v", err)
		}
		wantErr(t, err, "arrayfile: checksum "+path+": context canceled")
	})
	t.Run("empty array", func(t *testing.T) {
		path := filepath.Join(dir, "empty.npy")
		writeArray(t, path, Info{DType: Int8, Shape: []int64{0, 4}}, refArray{dtype: Int8, shape: []int64{0, 4}}, nil)
		r, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got, err := r.Checksum(context.Background(), 0)
		if err != nil || got != sha256.Sum256(nil) {
			t.Fatalf("Checksum of empty array = %x, %v", got, err)
		}
	})
}
