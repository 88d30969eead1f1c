package arrayfile

import (
	"errors"
	"testing"
)

func TestDTypeProperties(t *testing.T) {
	tests := []struct {
		d      DType
		name   string
		size   int
		le, be string
	}{
		{Bool, "bool", 1, "|b1", "|b1"},
		{Int8, "int8", 1, "|i1", "|i1"},
		{Uint8, "uint8", 1, "|u1", "|u1"},
		{Int16, "int16", 2, "<i2", ">i2"},
		{Uint16, "uint16", 2, "<u2", ">u2"},
		{Int32, "int32", 4, "<i4", ">i4"},
		{Uint32, "uint32", 4, "<u4", ">u4"},
		{Int64, "int64", 8, "<i8", ">i8"},
		{Uint64, "uint64", 8, "<u8", ">u8"},
		{Float32, "float32", 4, "<f4", ">f4"},
		{Float64, "float64", 8, "<f8", ">f8"},
	}
	if got := len(DTypes()); got != len(tests) {
		t.Fatalf("DTypes() has %d entries, want %d", got, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.d.Size(); got != tt.size {
				t.Errorf("Size() = %d, want %d", got, tt.size)
			}
			if got := tt.d.Descr(LittleEndian); got != tt.le {
				t.Errorf("Descr(little) = %q, want %q", got, tt.le)
			}
			if got := tt.d.Descr(BigEndian); got != tt.be {
				t.Errorf("Descr(big) = %q, want %q", got, tt.be)
			}
			for _, s := range []string{tt.name, tt.le, tt.le[1:]} {
				got, err := ParseDType(s)
				if err != nil || got != tt.d {
					t.Errorf("ParseDType(%q) = %v, %v; want %v", s, got, err, tt.d)
				}
			}
			d, o, err := ParseDescr(tt.be)
			wantOrder := BigEndian
			if tt.size == 1 {
				wantOrder = LittleEndian
			}
			if err != nil || d != tt.d || o != wantOrder {
				t.Errorf("ParseDescr(%q) = %v, %v, %v; want %v, %v", tt.be, d, o, err, tt.d, wantOrder)
			}
		})
	}
	for _, bad := range []DType{0, -1, Float64 + 1} {
		if bad.Valid() || bad.Size() != 0 || bad.Descr(LittleEndian) != "" {
			t.Errorf("invalid DType %d reports Valid=%v Size=%d Descr=%q", int(bad), bad.Valid(), bad.Size(), bad.Descr(LittleEndian))
		}
	}
	if got := DType(0).String(); got != "DType(0)" {
		t.Errorf("DType(0).String() = %q", got)
	}
}

func TestParseDType(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    DType
		wantErr string
		unsupp  bool
	}{
		{name: "name upper case", in: "Float64", want: Float64},
		{name: "name spaces", in: " int32 ", want: Int32},
		{name: "pipe one byte", in: "|u1", want: Uint8},
		{name: "native", in: "=i2", want: Int16},
		{name: "big one byte is fine", in: ">i1", want: Int8},
		{name: "big endian refused", in: ">f8", wantErr: `element type ">f8" is big-endian`},
		{name: "complex", in: "<c16", wantErr: `unsupported element type "<c16"`, unsupp: true},
		{name: "float16", in: "<f2", wantErr: `unsupported element type "<f2"`, unsupp: true},
		{name: "object", in: "|O", wantErr: `unsupported element type "|O"`, unsupp: true},
		{name: "empty", in: "", wantErr: `unsupported element type ""`, unsupp: true},
		{name: "garbage", in: "double", wantErr: `unsupported element type "double"`, unsupp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDType(tt.in)
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				if errors.Is(err, ErrUnsupported) != tt.unsupp {
					t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v", !tt.unsupp, tt.unsupp)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDType(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDescrNative(t *testing.T) {
	for _, s := range []string{"=f8", "f8", "float64"} {
		d, o, err := ParseDescr(s)
		if err != nil || d != Float64 || o != NativeOrder() {
			t.Errorf("ParseDescr(%q) = %v, %v, %v; want float64 in native order %v", s, d, o, err, NativeOrder())
		}
	}
}

func TestParseByteOrder(t *testing.T) {
	tests := []struct {
		in   string
		want ByteOrder
		ok   bool
	}{
		{"little", LittleEndian, true},
		{"LE", LittleEndian, true},
		{"<", LittleEndian, true},
		{"big", BigEndian, true},
		{" Big-Endian ", BigEndian, true},
		{">", BigEndian, true},
		{"native", NativeOrder(), true},
		{"middle", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteOrder(tt.in)
			if !tt.ok {
				wantErr(t, err, "unknown byte order")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseByteOrder(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	if LittleEndian.String() != "little" || BigEndian.String() != "big" || ByteOrder(7).String() != "ByteOrder(7)" {
		t.Errorf("ByteOrder strings: %v %v %v", LittleEndian, BigEndian, ByteOrder(7))
	}
}
