package server

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

func TestIntersectTypes(t *testing.T) {
	t.Parallel()
	server := []string{"resqml20.*", "eml20.obj_EpcExternalPartReference", "witsml21.*"}
	tests := []struct {
		name   string
		client []string
		want   []string
	}{
		{"same family", []string{"resqml20.*"}, []string{"resqml20.*"}},
		{"exact inside family", []string{"resqml20.obj_Grid2dRepresentation"}, []string{"resqml20.obj_Grid2dRepresentation"}},
		{"family over exact", []string{"eml20.*"}, []string{"eml20.obj_EpcExternalPartReference"}},
		{"case", []string{"RESQML20.*"}, nil},
		{"other version", []string{"resqml22.*"}, nil},
		{"star", []string{"*"}, server},
		{"invalid ignored", []string{"not a type", "witsml21.Well"}, []string{"witsml21.Well"}},
		{"duplicates", []string{"resqml20.*", "resqml20.*"}, []string{"resqml20.*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c []etp.SupportedDataObject
			for _, q := range tc.client {
				c = append(c, etp.SupportedDataObject{QualifiedType: q})
			}
			if got := intersectTypes(c, server); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "resqml.*", "resqml20", "x20.*", "resqml20.a*b"} {
		if checkTypePattern(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseObjectXML(t *testing.T) {
	t.Parallel()
	ref := [2]string{"resqml20.obj_LocalDepth3dCrs", "dbe0e6ba-1ea6-4dd7-b541-9c4c14c16f62"}
	good := objectXMLText("obj_Grid2dRepresentation", "be3dc02d-ed9d-45b1-b291-6edced323411", "Demo grid", 0, ref)
	x, err := parseObjectXML(good, true)
	if err != nil {
		t.Fatal(err)
	}
	if x.rootLocal != "Grid2dRepresentation" || x.xsiType != "obj_Grid2dRepresentation" ||
		x.uuid != "be3dc02d-ed9d-45b1-b291-6edced323411" || x.title != "Demo grid" {
		t.Errorf("parsed %+v", x)
	}
	if len(x.refs) != 1 || x.refs[0] != (objectRef{qualifiedType: ref[0], uuid: ref[1]}) {
		t.Errorf("refs %+v", x.refs)
	}
	tests := []struct {
		name, xml, err string
	}{
		{"mismatched end", `<a uuid="x"><b></c></a>`, "well-formed"},
		{"two roots", `<a/><b/>`, "more than one root"},
		{"text outside", `<a/>junk`, "outside the root"},
		{"unclosed", `<a><b>`, "well-formed"},
		{"empty", ``, "no root"},
		{"undefined entity", `<a>&nope;</a>`, "well-formed"},
		{"deep", strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300), "deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseObjectXML([]byte(tc.xml), true); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// TestSampleObjects checks the reference RESQML samples against their URIs
// (they are read from the shared reference folder, not copied).
func TestSampleObjects(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "reference", "samples")
	samples := []struct {
		file, qt, uuid string
		refs           int
	}{
		{"resqml20-Grid2dRepresentation.xml", "resqml20.obj_Grid2dRepresentation", "be3dc02d-ed9d-45b1-b291-6edced323411", 2},
		{"eml20-EpcExternalPartReference.xml", "eml20.obj_EpcExternalPartReference", "d53c9c04-e83a-4ad7-87fc-567a0dd5e660", 0},
		{"resqml20-LocalDepth3dCrs.xml", "resqml20.obj_LocalDepth3dCrs", "", 0},
	}
	for _, s := range samples {
		data, err := os.ReadFile(filepath.Join(dir, s.file))
		if err != nil {
			t.Skipf("reference samples not available (%v)", err)
		}
		x, err := parseObjectXML(data, true)
		if err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		if s.uuid == "" {
			s.uuid = x.uuid
		}
		u, _ := etp.ParseURI("eml:///dataspace('demo')/" + s.qt + "(" + s.uuid + ")")
		if _, ei := checkObject(u, data); ei != nil {
			t.Errorf("%s: %s", s.file, ei.Message)
		}
		if len(x.refs) != s.refs || x.title == "" {
			t.Errorf("%s: title %q refs %+v", s.file, x.title, x.refs)
		}
	}
}

func TestRefType(t *testing.T) {
	t.Parallel()
	tests := map[[2]string]string{
		{"application/x-resqml+xml;version=2.0;type=obj_LocalDepth3dCrs", ""}:         "resqml20.obj_LocalDepth3dCrs",
		{"application/x-eml+xml;version=2.0.1;type=obj_EpcExternalPartReference", ""}: "eml20.obj_EpcExternalPartReference",
		{"application/x-resqml+xml;version=2.0;type=resqml20.obj_X", ""}:              "resqml20.obj_X",
		{"", "resqml22.Grid2dRepresentation"}:                                         "resqml22.Grid2dRepresentation",
		{"text/xml", ""}:                                                              "",
		{"application/x-resqml+xml;type=obj_X", ""}:                                   "",
		{"", "bad"}: "",
	}
	for in, want := range tests {
		if got := refType(in[0], in[1]); got != want {
			t.Errorf("refType(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

// TestArrayConversions round-trips values of every transport/logical pair
// through the stored bytes and checks range errors.
func TestArrayConversions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		l    etp.AnyLogicalArrayType
		in   etp.AnyArray
		ok   bool
	}{
		{"bool", etp.LogicalArrayBoolean, etp.BoolArray([]bool{true, false, true}), true},
		{"int8 in ints", etp.LogicalArrayInt8, etp.IntArray([]int32{-128, 0, 127}), true},
		{"int8 overflow", etp.LogicalArrayInt8, etp.IntArray([]int32{128}), false},
		{"uint8 negative", etp.LogicalArrayUInt8, etp.IntArray([]int32{-1}), false},
		{"uint8 in longs", etp.LogicalArrayUInt8, etp.LongArray([]int64{0, 255}), true},
		{"int16", etp.LogicalArrayInt16BE, etp.IntArray([]int32{-32768, 32767}), true},
		{"uint16 overflow", etp.LogicalArrayUInt16LE, etp.LongArray([]int64{65536}), false},
		{"int32", etp.LogicalArrayInt32LE, etp.IntArray([]int32{math.MinInt32, math.MaxInt32}), true},
		{"int32 in longs overflow", etp.LogicalArrayInt32LE, etp.LongArray([]int64{math.MaxInt32 + 1}), false},
		{"uint32 in longs", etp.LogicalArrayUInt32LE, etp.LongArray([]int64{math.MaxUint32}), true},
		{"uint32 overflow", etp.LogicalArrayUInt32LE, etp.LongArray([]int64{math.MaxUint32 + 1}), false},
		{"int64", etp.LogicalArrayInt64LE, etp.LongArray([]int64{math.MinInt64, math.MaxInt64}), true},
		{"uint64 bit pattern", etp.LogicalArrayUInt64LE, etp.LongArray([]int64{-1}), true},
		{"float", etp.LogicalArrayFloat32LE, etp.FloatArray([]float32{float32(math.Inf(1)), -0.0, 1.5}), true},
		{"double NaN", etp.LogicalArrayDouble64LE, etp.DoubleArray([]float64{math.NaN(), 1e-300}), true},
		{"bytes uint8", etp.LogicalArrayUInt8, etp.BytesArray([]byte{0, 1, 255}), true},
		{"bytes int16 BE", etp.LogicalArrayInt16BE, etp.BytesArray([]byte{0x12, 0x34, 0xff, 0xfe}), true},
		{"bytes double LE", etp.LogicalArrayDouble64LE, etp.BytesArray(make([]byte, 16)), true},
		{"empty", etp.LogicalArrayDouble64LE, etp.DoubleArray([]float64{}), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !allowedPair(tc.in.Type, tc.l) {
				t.Fatalf("pair %s/%s not allowed", tc.in.Type, tc.l)
			}
			k, _ := kindOf(tc.l)
			raw, ei := toStorage(&tc.in, tc.l, k)
			if (ei == nil) != tc.ok {
				t.Fatalf("toStorage error %v, want ok=%v", ei, tc.ok)
			}
			if ei != nil {
				return
			}
			n, _ := dataCount(&tc.in, k)
			if int64(len(raw)) != n*int64(k.Size()) {
				t.Fatalf("%d stored bytes for %d %s", len(raw), n, k)
			}
			stored := append([]byte(nil), raw...)
			out, err := fromStorage(tc.in.Type, tc.l, k, int(n), func(dst []byte) error { copy(dst, stored); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !anyArrayEqual(tc.in, out) {
				t.Fatalf("round trip %v -> %v", tc.in, out)
			}
		})
	}
	if got := mustBytes(t, etp.BytesArray([]byte{0x12, 0x34}), etp.LogicalArrayInt16BE); got[0] != 0x34 || got[1] != 0x12 {
		t.Errorf("big-endian bytes stored as %x, want little-endian", got)
	}
	pairs := []struct {
		t  etp.AnyArrayType
		l  etp.AnyLogicalArrayType
		ok bool
	}{
		{etp.AnyArrayInt, etp.LogicalArrayInt64LE, false}, {etp.AnyArrayFloat, etp.LogicalArrayDouble64LE, false},
		{etp.AnyArrayDouble, etp.LogicalArrayFloat32LE, false}, {etp.AnyArrayBoolean, etp.LogicalArrayUInt8, false},
		{etp.AnyArrayBytes, etp.LogicalArrayCustom, true}, {etp.AnyArrayLong, etp.LogicalArrayCustom, false},
		{etp.AnyArrayString, etp.LogicalArrayString, false}, {etp.AnyArrayBytes, etp.LogicalArrayString, false},
	}
	for _, p := range pairs {
		if allowedPair(p.t, p.l) != p.ok {
			t.Errorf("allowedPair(%s, %s) != %v", p.t, p.l, p.ok)
		}
	}
}

func mustBytes(t *testing.T, a etp.AnyArray, l etp.AnyLogicalArrayType) []byte {
	k, _ := kindOf(l)
	b, ei := toStorage(&a, l, k)
	if ei != nil {
		t.Fatal(ei.Message)
	}
	return b
}

func TestForSlabs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		starts, counts []int64
		es, max        int64
		calls          int
	}{
		{"whole fits", []int64{0, 0}, []int64{4, 4}, 8, 1 << 20, 1},
		{"rows", []int64{0, 0}, []int64{4, 4}, 8, 32, 4},
		{"half rows", []int64{1, 2}, []int64{3, 4}, 8, 16, 6},
		{"3-D", []int64{0, 0, 0}, []int64{2, 3, 5}, 1, 10, 4},
		{"empty", []int64{0}, []int64{0}, 8, 8, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			total := int64(0)
			calls := 0
			err := forSlabs(tc.starts, tc.counts, tc.es, tc.max, func(st, ct []int64) error {
				calls++
				n := product(ct)
				if n*tc.es > max(tc.max, tc.es) {
					t.Fatalf("slab %v %v of %d bytes", st, ct, n*tc.es)
				}
				total += n
				// Every element of the slab is inside the box and new.
				var walk func(d int, idx []int64)
				walk = func(d int, idx []int64) {
					if d == len(ct) {
						key := fmt.Sprint(idx)
						if seen[key] {
							t.Fatalf("element %v twice", idx)
						}
						seen[key] = true
						return
					}
					for i := st[d]; i < st[d]+ct[d]; i++ {
						if i < tc.starts[d] || i >= tc.starts[d]+tc.counts[d] {
							t.Fatalf("index %d outside dimension %d", i, d)
						}
						walk(d+1, append(idx, i))
					}
				}
				walk(0, nil)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total != product(tc.counts) || calls != tc.calls {
				t.Fatalf("%d elements in %d calls, want %d in %d", total, calls, product(tc.counts), tc.calls)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	o, err := (*Options)(nil).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.MaxMessageSize != DefaultMaxMessageSize || o.MaxTransactionCount != 1 || o.RequestSessionTimeout != DefaultRequestSessionTimeout ||
		o.Logger == nil || len(o.SupportedDataObjects) == 0 || o.MaxDecompressedSize < o.MaxMessageSize {
		t.Errorf("defaults %+v", o)
	}
	for _, bad := range []Options{{MaxMessageSize: 100}, {SupportedDataObjects: []string{"nope"}}} {
		if _, err := New(&bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
	db, err := storage.OpenMemory(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(&Options{Store: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetDataspace(""); err != nil {
		t.Fatalf("the server closed a store it did not open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srv, err = New(&Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "meta.db")); err != nil {
		t.Fatalf("no store in DataDir: %v", err)
	}
}
