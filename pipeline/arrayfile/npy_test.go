package arrayfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updateFixtures = flag.Bool("update", false, "rewrite testdata/*.npy from the writer")

// canonical returns the header dict NumPy writes for a C-ordered array.
func canonical(descr, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
}

func TestDecodeNPYHeader(t *testing.T) {
	type want struct {
		dtype DType
		order ByteOrder
		shape []int64
		major int
	}
	v1 := func(h string) []byte { return buildNPY(1, h, nil) }
	deep := "{'descr': " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + ", 'fortran_order': False, 'shape': ()}"
	manyDims := "(" + strings.Repeat("1, ", MaxDims+1) + ")"
	tests := []struct {
		name    string
		in      []byte
		want    want
		dataLen int
		wantErr string
		kind    error
	}{
		{name: "numpy canonical", in: v1(canonical("<f8", "(3, 4)") + "   \n"),
			want: want{Float64, LittleEndian, []int64{3, 4}, 1}},
		{name: "double quotes, other key order, no trailing comma",
			in:   v1(`{"shape": (2,), "fortran_order": False, "descr": ">i4"}`),
			want: want{Int32, BigEndian, []int64{2}, 1}},
		{name: "white space and newlines inside",
			in:   v1("{ 'descr' :\t'|u1' ,\n 'fortran_order' : False ,\n 'shape' : ( 5 , 6 , ) }\n"),
			want: want{Uint8, LittleEndian, []int64{5, 6}, 1}},
		{name: "python 2 long suffix and unicode prefix",
			in:   v1("{'descr': u'<i8', 'fortran_order': False, 'shape': (3L, 4L), }"),
			want: want{Int64, LittleEndian, []int64{3, 4}, 1}},
		{name: "0-D", in: v1(canonical("<u2", "()")), want: want{Uint16, LittleEndian, []int64{}, 1}},
		{name: "empty dim", in: v1(canonical("<f4", "(0, 3)")), want: want{Float32, LittleEndian, []int64{0, 3}, 1}},
		{name: "version 2", in: buildNPY(2, canonical(">u8", "(7,)"), nil), want: want{Uint64, BigEndian, []int64{7}, 2}},
		{name: "version 3", in: buildNPY(3, canonical("<i2", "(1, 2, 3)"), nil), want: want{Int16, LittleEndian, []int64{1, 2, 3}, 3}},
		{name: "fortran order 1-D is C order", in: v1("{'descr': '<f8', 'fortran_order': True, 'shape': (9,), }"),
			want: want{Float64, LittleEndian, []int64{9}, 1}},
		{name: "fortran order with one long dim", in: v1("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 9, 1), }"),
			want: want{Float64, LittleEndian, []int64{1, 9, 1}, 1}},
		{name: "repeated key keeps last", in: v1("{'descr': '<f8', 'descr': '<i1', 'fortran_order': False, 'shape': (2,)}"),
			want: want{Int8, LittleEndian, []int64{2}, 1}},
		{name: "data after header is ignored", in: buildNPY(1, canonical("<f8", "(1,)"), make([]byte, 8)),
			want: want{Float64, LittleEndian, []int64{1}, 1}, dataLen: 8},

		{name: "empty input", in: nil, wantErr: `bad magic ""`, kind: ErrInvalid},
		{name: "bad magic", in: []byte("\x93NUMPZ\x01\x00\x00\x00"), wantErr: `not an npy file: bad magic "\x93NUMPZ"`, kind: ErrInvalid},
		{name: "text file", in: []byte("hello world, not npy"), wantErr: "not an npy file", kind: ErrInvalid},
		{name: "version 4", in: []byte("\x93NUMPY\x04\x00\x00\x00\x00\x00"), wantErr: "npy format version 4.0 is not supported", kind: ErrUnsupported},
		{name: "version 1.1", in: []byte("\x93NUMPY\x01\x01\x00\x00"), wantErr: "version 1.1", kind: ErrUnsupported},
		{name: "truncated prelude", in: []byte("\x93NUMPY\x02\x00\x10\x00"), wantErr: "the fixed prelude needs 12", kind: ErrInvalid},
		{name: "truncated header", in: buildNPY(1, canonical("<f8", "(3,)"), nil)[:40], wantErr: "header length is 57 bytes, only 30 follow", kind: ErrInvalid},
		{name: "header length over limit", in: []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{}"), wantErr: "npy header length 4294967295 exceeds the limit", kind: ErrInvalid},
		{name: "unterminated dict", in: v1("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)"), wantErr: "not a valid Python literal: at byte 56: unexpected end of header", kind: ErrInvalid},
		{name: "unterminated string", in: v1("{'descr: '<f8'}"), wantErr: "not a valid Python literal", kind: ErrInvalid},
		{name: "trailing junk", in: v1(canonical("<f8", "(3,)") + " x"), wantErr: `unexpected 'x' after the literal`, kind: ErrInvalid},
		{name: "missing comma", in: v1("{'descr': '<f8' 'fortran_order': False}"), wantErr: "unexpected ':', want ',' or '}'", kind: ErrInvalid},
		{name: "missing colon", in: v1("{'descr' 5}"), wantErr: "unexpected '5', want ':' after a dict key", kind: ErrInvalid},
		{name: "expression", in: v1("{'descr': '<f8', 'fortran_order': False, 'shape': (3*4,)}"), wantErr: "unexpected '*'", kind: ErrInvalid},
		{name: "name", in: v1("{'descr': float, 'fortran_order': False, 'shape': (3,)}"), wantErr: `unexpected name "float"`, kind: ErrInvalid},
		{name: "not a dict", in: v1("[1, 2]"), wantErr: "npy header is a list, want a dict", kind: ErrInvalid},
		{name: "missing key", in: v1("{'descr': '<f8', 'shape': (3,)}"), wantErr: `keys are ["descr" "shape"], want exactly`, kind: ErrInvalid},
		{name: "extra key", in: v1(canonical("<f8", "(3,)")[:len(canonical("<f8", "(3,)"))-1] + "'x': 1}"), wantErr: `keys are ["descr" "fortran_order" "shape" "x"]`, kind: ErrInvalid},
		{name: "non-string key", in: v1("{1: 2, 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}"), wantErr: "has an integer as a key", kind: ErrInvalid},
		{name: "fortran order not bool", in: v1("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}"), wantErr: "fortran_order is an integer, want True or False", kind: ErrInvalid},
		{name: "fortran order 2-D", in: v1("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }"),
			wantErr: "fortran_order is True (column-major data, shape [3 4]), which is not supported: convert it to C order with numpy.ascontiguousarray", kind: ErrUnsupported},
		{name: "complex", in: v1(canonical("<c16", "(3,)")), wantErr: `descr "<c16" is not supported`, kind: ErrUnsupported},
		{name: "object", in: v1(canonical("|O", "(3,)")), wantErr: `descr "|O" is not supported`, kind: ErrUnsupported},
		{name: "unicode string", in: v1(canonical("<U8", "(3,)")), wantErr: `descr "<U8" is not supported`, kind: ErrUnsupported},
		{name: "structured", in: v1("{'descr': [('x', '<f8'), ('y', '<i4')], 'fortran_order': False, 'shape': (3,)}"), wantErr: "descr is a list (structured dtype)", kind: ErrUnsupported},
		{name: "sub-array", in: v1("{'descr': ('<f8', (2,)), 'fortran_order': False, 'shape': (3,)}"), wantErr: "descr is a tuple (sub-array dtype)", kind: ErrUnsupported},
		{name: "descr not string", in: v1("{'descr': 8, 'fortran_order': False, 'shape': (3,)}"), wantErr: "descr is an integer", kind: ErrInvalid},
		{name: "shape list", in: v1(canonical("<f8", "[3, 4]")), wantErr: "shape is a list, want a tuple", kind: ErrInvalid},
		{name: "shape int", in: v1(canonical("<f8", "(3)")), wantErr: "shape is an integer, want a tuple", kind: ErrInvalid},
		{name: "shape float", in: v1(canonical("<f8", "(3.5,)")), wantErr: "unexpected '.'", kind: ErrInvalid},
		{name: "shape string", in: v1(canonical("<f8", "('a',)")), wantErr: "shape element 0 is a string", kind: ErrInvalid},
		{name: "shape bool", in: v1(canonical("<f8", "(2, True)")), wantErr: "shape element 1 is a bool", kind: ErrInvalid},
		{name: "negative dim", in: v1(canonical("<f8", "(2, -1)")), wantErr: "shape [2 -1] has a negative dimension", kind: ErrInvalid},
		{name: "too many dims", in: v1(canonical("<f8", manyDims)), wantErr: "shape has 65 dimensions, at most 64", kind: ErrInvalid},
		{name: "byte size overflow", in: v1(canonical("<f8", "(4611686018427387904, 4)")), wantErr: "overflows int64", kind: ErrInvalid},
		{name: "integer out of range", in: v1(canonical("<f8", "(99999999999999999999,)")), wantErr: "integer out of range", kind: ErrInvalid},
		{name: "nested too deep", in: v1(deep), wantErr: "nested deeper than 32 levels", kind: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := decodeNPYHeader(tt.in)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				if !errors.Is(err, tt.kind) {
					t.Errorf("error %q does not match %v", err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeNPYHeader: %v", err)
			}
			got := want{h.dtype, h.order, h.shape, h.major}
			if got.dtype != tt.want.dtype || got.order != tt.want.order || !slices.Equal(got.shape, tt.want.shape) ||
				got.major != tt.want.major || got.shape == nil {
				t.Fatalf("decoded %+v, want %+v", got, tt.want)
			}
			// The data starts right after the header, whose length the
			// prelude gives: the input minus any data appended to it.
			if wantOff := int64(len(tt.in) - tt.dataLen); h.dataOffset != wantOff {
				t.Fatalf("data offset %d, want %d", h.dataOffset, wantOff)
			}
		})
	}
}

func TestEncodeNPYHeader(t *testing.T) {
	tests := []struct {
		name    string
		dtype   DType
		order   ByteOrder
		shape   []int64
		version int
		wantLen int
		wantErr string
	}{
		{name: "0-D", dtype: Float64, shape: []int64{}, wantLen: 128},
		{name: "1-D", dtype: Int32, order: BigEndian, shape: []int64{10}, wantLen: 128},
		{name: "4-D", dtype: Uint16, shape: []int64{2, 3, 4, 5}, wantLen: 128},
		{name: "large first dim", dtype: Float32, shape: []int64{math.MaxInt64 / 4, 1}, wantLen: 128},
		{name: "64-D", dtype: Bool, shape: slices.Repeat([]int64{1}, MaxDims), wantLen: 320},
		{name: "version 2", dtype: Int8, shape: []int64{3}, version: 2, wantLen: 128},
		{name: "version 3", dtype: Int8, shape: []int64{3}, version: 3, wantErr: "version 3 cannot be written"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeNPYHeader(tt.dtype, tt.order, tt.shape, tt.version)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != tt.wantLen || len(b)%npyAlign != 0 || b[len(b)-1] != '\n' {
				t.Fatalf("header of %d bytes (want %d, 64-aligned, ending in newline): %q", len(b), tt.wantLen, b)
			}
			h, err := decodeNPYHeader(b)
			if err != nil {
				t.Fatalf("decode own header: %v", err)
			}
			wantVersion := max(tt.version, 1)
			if h.dtype != tt.dtype || h.order != orderFor(tt.dtype, tt.order) || !slices.Equal(h.shape, tt.shape) ||
				h.dataOffset != int64(len(b)) || h.major != wantVersion {
				t.Fatalf("decoded %+v", h)
			}
		})
	}
}

// TestFixtures checks tiny committed npy files byte for byte against the
// format as specified in NumPy's numpy/lib/format.py, spelled out by hand
// here, and against what the Writer produces. Run with -update to rewrite
// the fixtures from the Writer (then review the diff).
func TestFixtures(t *testing.T) {
	le64 := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	be32 := func(vs ...int32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		}
		return b
	}
	tests := []struct {
		name  string
		info  Info
		le    []byte // the values as little-endian element bytes
		bytes string // the whole file, by hand
	}{
		{
			name: "f8_2x3.npy",
			info: Info{Format: FormatNPY, DType: Float64, Shape: []int64{2, 3}},
			le:   le64(0, 1, 2, 3, 4, 5),
			// magic, version 1.0, header length 118 as uint16 LE; the
			// 59-byte dict, 20 growth spaces (21 minus the 1 digit of the
			// first dimension), 38 padding spaces, newline: 10+59+58+1 =
			// 128; then the data.
			bytes: "\x93NUMPY" + "\x01\x00" + "\x76\x00" +
				"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" +
				strings.Repeat(" ", 20+38) + "\n" + string(le64(0, 1, 2, 3, 4, 5)),
		},
		{
			name: "i4_4_be.npy",
			info: Info{Format: FormatNPY, DType: Int32, Shape: []int64{4}, Order: BigEndian},
			le:   binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 1), 0xfffffffe), 3), 0xfffffffc),
			// 57-byte dict ("(4,)" is the 1-tuple), 20 growth + 40 padding
			// spaces: 10+57+60+1 = 128; big-endian int32 data.
			bytes: "\x93NUMPY" + "\x01\x00" + "\x76\x00" +
				"{'descr': '>i4', 'fortran_order': False, 'shape': (4,), }" +
				strings.Repeat(" ", 20+40) + "\n" + string(be32(1, -2, 3, -4)),
		},
		{
			name: "u1_2x2x1_v2.npy",
			info: Info{Format: FormatNPY, DType: Uint8, Shape: []int64{2, 2, 1}, NPYVersion: 2},
			le:   []byte{1, 2, 3, 4},
			// version 2.0: header length 116 as uint32 LE; 62-byte dict,
			// 20 growth + 33 padding spaces: 12+62+53+1 = 128.
			bytes: "\x93NUMPY" + "\x02\x00" + "\x74\x00\x00\x00" +
				"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 1), }" +
				strings.Repeat(" ", 20+33) + "\n" + "\x01\x02\x03\x04",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := refArray{dtype: tt.info.DType, shape: tt.info.Shape, data: tt.le}
			out := filepath.Join(t.TempDir(), tt.name)
			writeArray(t, out, tt.info, ref, nil)
			written, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(written) != tt.bytes {
				t.Fatalf("writer output differs from the hand-built file:\n got %q\nwant %q", written, tt.bytes)
			}
			fixture := filepath.Join("testdata", tt.name)
			if *updateFixtures {
				if err := os.WriteFile(fixture, written, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			committed, err := os.ReadFile(fixture)
			if err != nil {
				t.Fatalf("read fixture (run go test -run TestFixtures -update to create it): %v", err)
			}
			if !bytes.Equal(committed, written) {
				t.Fatalf("committed fixture differs from the writer's output:\n got %q\nwant %q", committed, written)
			}
			r, err := Open(fixture, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := make([]byte, len(tt.le))
			if err := r.ReadBlock(make([]int64, len(tt.info.Shape)), tt.info.Shape, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.le) {
				t.Fatalf("read %x, want %x", got, tt.le)
			}
		})
	}
}
