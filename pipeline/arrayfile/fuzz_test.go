package arrayfile

import (
	"errors"
	"slices"
	"testing"
)

// FuzzParseHeader feeds arbitrary bytes to the npy header decoder: it must
// never panic, every error must match ErrInvalid or ErrUnsupported, and a
// header it accepts must describe a valid array whose re-encoded header
// decodes to the same description.
func FuzzParseHeader(f *testing.F) {
	for _, d := range DTypes() {
		for _, o := range []ByteOrder{LittleEndian, BigEndian} {
			h, err := encodeNPYHeader(d, o, []int64{3, int64(d)}, 0)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(h)
		}
	}
	h2, _ := encodeNPYHeader(Float64, LittleEndian, []int64{}, 2)
	f.Add(h2)
	f.Add(buildNPY(3, canonical("<i8", "(0, 5)"), nil))
	f.Add(buildNPY(1, "{'descr': [('x', '<f8')], 'fortran_order': True, 'shape': (2L, 3L)}", nil))
	f.Add(buildNPY(1, `{"descr": u'|b1', "fortran_order": False, "shape": (1_000,)}`, nil))
	f.Add(buildNPY(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 99999999999999999999)}", nil))
	f.Add(buildNPY(2, "{'a': ((((([[[{}]]])))))}", nil))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"))
	f.Add([]byte("\x93NUMPY"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeNPYHeader(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %q matches neither ErrInvalid nor ErrUnsupported", err)
			}
			return
		}
		if !h.dtype.Valid() || !h.order.Valid() || h.shape == nil || h.dataOffset > int64(len(b)) || h.dataOffset < 10 {
			t.Fatalf("accepted an invalid header: %+v", h)
		}
		if _, err := dataSize(h.shape, h.dtype.Size()); err != nil {
			t.Fatalf("accepted shape %v: %v", h.shape, err)
		}
		enc, err := encodeNPYHeader(h.dtype, h.order, h.shape, 2)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", h, err)
		}
		h2, err := decodeNPYHeader(enc)
		if err != nil {
			t.Fatalf("decode re-encoded %q: %v", enc, err)
		}
		if h2.dtype != h.dtype || h2.order != h.order || !slices.Equal(h2.shape, h.shape) {
			t.Fatalf("re-encoded header decodes to %+v, want %+v", h2, h)
		}
	})
}
