package storage

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

var numericKinds = []ElementKind{KindBool, KindInt8, KindUint8, KindInt16, KindUint16, KindInt32, KindUint32, KindFloat32, KindInt64, KindUint64, KindFloat64}

func TestElementKindSize(t *testing.T) {
	want := map[ElementKind]int{KindBool: 1, KindInt8: 1, KindUint8: 1, KindInt16: 2, KindUint16: 2, KindInt32: 4, KindUint32: 4,
		KindFloat32: 4, KindInt64: 8, KindUint64: 8, KindFloat64: 8, KindString: 0, KindInvalid: 0, ElementKind(200): 0}
	for k, n := range want {
		t.Run(k.String(), func(t *testing.T) {
			if got := k.Size(); got != n {
				t.Fatalf("%v.Size() = %d, want %d", k, got, n)
			}
		})
	}
}

// naiveOffsets lists the file offset of every element of a box in row-major
// buffer order, the slow obvious way.
func naiveOffsets(dims, starts, counts []int64) []int64 {
	var out []int64
	n := len(dims)
	for _, c := range counts {
		if c == 0 {
			return nil
		}
	}
	idx := make([]int64, n)
	for {
		var flat int64
		for d := range n {
			flat = flat*dims[d] + starts[d] + idx[d]
		}
		out = append(out, flat)
		d := n - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < counts[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

func TestBoxRuns(t *testing.T) {
	cases := []struct {
		name                 string
		dims, starts, counts []int64
		runs                 int
	}{
		{"1-D whole", []int64{10}, []int64{0}, []int64{10}, 1},
		{"1-D middle", []int64{10}, []int64{3}, []int64{4}, 1},
		{"2-D whole", []int64{4, 5}, []int64{0, 0}, []int64{4, 5}, 1},
		{"2-D full rows", []int64{4, 5}, []int64{1, 0}, []int64{2, 5}, 1},
		{"2-D columns", []int64{4, 5}, []int64{0, 1}, []int64{4, 3}, 4},
		{"2-D one element", []int64{4, 5}, []int64{3, 4}, []int64{1, 1}, 1},
		{"3-D full planes", []int64{3, 4, 5}, []int64{1, 0, 0}, []int64{2, 4, 5}, 1},
		{"3-D partial middle", []int64{2, 3, 4}, []int64{0, 1, 0}, []int64{2, 2, 4}, 2},
		{"3-D partial inner", []int64{2, 3, 4}, []int64{0, 0, 1}, []int64{2, 3, 2}, 6},
		{"4-D full", []int64{2, 2, 2, 2}, []int64{0, 0, 0, 0}, []int64{2, 2, 2, 2}, 1},
		{"4-D inner partial", []int64{2, 2, 2, 3}, []int64{0, 0, 0, 1}, []int64{2, 2, 2, 1}, 8},
		{"zero count", []int64{4, 5}, []int64{0, 0}, []int64{0, 5}, 0},
		{"zero dimension", []int64{0, 5}, []int64{0, 0}, []int64{0, 5}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, es := range []int64{1, 2, 4, 8} {
				n := es
				for _, x := range c.counts {
					n *= x
				}
				b, err := newBox(c.dims, c.starts, c.counts, es, int(n))
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				runs := 0
				var next int64
				err = b.runs(func(off, boff, n int64) error {
					runs++
					if boff != next {
						t.Fatalf("run at buffer offset %d, want %d", boff, next)
					}
					next += n
					for i := int64(0); i < n; i += es {
						got = append(got, (off+i)/es)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if runs != c.runs {
					t.Fatalf("%d runs, want %d", runs, c.runs)
				}
				if diff := cmp.Diff(naiveOffsets(c.dims, c.starts, c.counts), got); diff != "" {
					t.Fatalf("element offsets (-naive +runs):\n%s", diff)
				}
			}
		})
	}
}

func TestBoxRunsRandom(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nd := rapid.IntRange(1, 5).Draw(rt, "nd")
		dims := make([]int64, nd)
		starts := make([]int64, nd)
		counts := make([]int64, nd)
		for i := range nd {
			dims[i] = rapid.Int64Range(0, 6).Draw(rt, "dim")
			starts[i] = rapid.Int64Range(0, dims[i]).Draw(rt, "start")
			counts[i] = rapid.Int64Range(0, dims[i]-starts[i]).Draw(rt, "count")
		}
		n := int64(1)
		for _, c := range counts {
			n *= c
		}
		b, err := newBox(dims, starts, counts, 1, int(n))
		if err != nil {
			rt.Fatal(err)
		}
		var got []int64
		if err := b.runs(func(off, boff, n int64) error {
			for i := range n {
				got = append(got, off+i)
			}
			return nil
		}); err != nil {
			rt.Fatal(err)
		}
		if diff := cmp.Diff(naiveOffsets(dims, starts, counts), got); diff != "" {
			rt.Fatalf("dims %v starts %v counts %v (-naive +runs):\n%s", dims, starts, counts, diff)
		}
	})
}

func TestArrayValidation(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, &Options{MaxArrayBytes: 1 << 20})
		mustPutDS(t, db, "ds")
		mustPutDS(t, db, "other")
		obj := testObject("ds", "eml20.obj_EpcExternalPartReference", 1)
		mustPutObj(t, db, obj)
		good := ArrayMeta{Dataspace: "ds", Dimensions: []int64{3, 4}, Kind: KindFloat32}
		k := ArrayKey{URI: obj.URI, Path: "/a"}
		if _, err := db.CreateArray(k, good); err != nil {
			t.Fatal(err)
		}
		with := func(f func(m *ArrayMeta)) ArrayMeta {
			m := good
			m.Dimensions = slices.Clone(good.Dimensions)
			f(&m)
			return m
		}
		createCases := []struct {
			name string
			key  ArrayKey
			meta ArrayMeta
			data []byte // PutArray when non-nil
			want error
		}{
			{"ok", ArrayKey{URI: obj.URI, Path: "/b"}, good, nil, nil},
			{"ok empty path", ArrayKey{URI: obj.URI}, good, nil, nil},
			{"ok zero dimension", ArrayKey{URI: obj.URI, Path: "/z"}, with(func(m *ArrayMeta) { m.Dimensions = []int64{0, 5} }), []byte{}, nil},
			{"strings", k, with(func(m *ArrayMeta) { m.Kind = KindString }), nil, ErrUnsupported},
			{"invalid kind", k, with(func(m *ArrayMeta) { m.Kind = KindInvalid }), nil, ErrInvalid},
			{"unknown kind", k, with(func(m *ArrayMeta) { m.Kind = 99 }), nil, ErrInvalid},
			{"no dimensions", k, with(func(m *ArrayMeta) { m.Dimensions = nil }), nil, ErrInvalid},
			{"too many dimensions", k, with(func(m *ArrayMeta) { m.Dimensions = make([]int64, MaxDims+1) }), nil, ErrInvalid},
			{"negative dimension", k, with(func(m *ArrayMeta) { m.Dimensions = []int64{3, -1} }), nil, ErrInvalid},
			{"above MaxArrayBytes", k, with(func(m *ArrayMeta) { m.Dimensions = []int64{1 << 18, 2} }), nil, ErrTooLarge},
			{"overflow", k, with(func(m *ArrayMeta) { m.Dimensions = []int64{1 << 40, 1 << 40} }), nil, ErrTooLarge},
			{"preferred wrong length", k, with(func(m *ArrayMeta) { m.PreferredSubarrayDimensions = []int64{1} }), nil, ErrInvalid},
			{"preferred too big", k, with(func(m *ArrayMeta) { m.PreferredSubarrayDimensions = []int64{3, 5} }), nil, ErrInvalid},
			{"preferred zero", k, with(func(m *ArrayMeta) { m.PreferredSubarrayDimensions = []int64{0, 4} }), nil, ErrInvalid},
			{"missing dataspace", ArrayKey{URI: "eml:///x", Path: "/a"}, with(func(m *ArrayMeta) { m.Dataspace = "nope" }), nil, ErrNotFound},
			{"other dataspace than object", k, with(func(m *ArrayMeta) { m.Dataspace = "other" }), nil, ErrInvalid},
			{"empty uri", ArrayKey{Path: "/a"}, good, nil, ErrInvalid},
			{"data too short", k, good, make([]byte, 47), ErrInvalid},
			{"data too long", k, good, make([]byte, 49), ErrInvalid},
		}
		for _, c := range createCases {
			t.Run("create/"+c.name, func(t *testing.T) {
				var err error
				if c.data != nil {
					_, err = db.PutArray(c.key, c.meta, c.data)
				} else {
					_, err = db.CreateArray(c.key, c.meta)
				}
				wantErr(t, err, c.want)
			})
		}
		blockCases := []struct {
			name           string
			key            ArrayKey
			starts, counts []int64
			n              int
			want           error
		}{
			{"ok", k, []int64{1, 1}, []int64{2, 3}, 24, nil},
			{"whole by default", k, nil, nil, 48, nil},
			{"missing array", ArrayKey{URI: obj.URI, Path: "/nope"}, nil, nil, 48, ErrNotFound},
			{"missing uri", ArrayKey{URI: "eml:///nope", Path: "/a"}, nil, nil, 48, ErrNotFound},
			{"too few starts", k, []int64{1}, []int64{2, 3}, 24, ErrInvalid},
			{"only starts", k, []int64{0, 0}, nil, 48, ErrInvalid},
			{"negative start", k, []int64{-1, 0}, []int64{1, 1}, 4, ErrInvalid},
			{"negative count", k, []int64{0, 0}, []int64{1, -1}, 0, ErrInvalid},
			{"past the end", k, []int64{2, 0}, []int64{2, 4}, 32, ErrInvalid},
			{"start past the end", k, []int64{4, 0}, []int64{0, 4}, 0, ErrInvalid},
			{"huge count", k, []int64{1, 0}, []int64{1 << 62, 4}, 16, ErrInvalid},
			{"short buffer", k, []int64{0, 0}, []int64{1, 4}, 15, ErrInvalid},
			{"long buffer", k, []int64{0, 0}, []int64{1, 4}, 17, ErrInvalid},
		}
		for _, c := range blockCases {
			t.Run("block/"+c.name, func(t *testing.T) {
				buf := make([]byte, c.n)
				wantErr(t, db.WriteBlock(c.key, c.starts, c.counts, buf), c.want)
				wantErr(t, db.ReadBlock(c.key, c.starts, c.counts, buf), c.want)
				tx, err := db.Begin([]string{"ds"})
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				wantErr(t, tx.WriteBlock(c.key, c.starts, c.counts, buf), c.want)
				wantErr(t, tx.ReadBlock(c.key, c.starts, c.counts, buf), c.want)
			})
		}
	})
}

// refArray is the in-memory reference an array is checked against.
type refArray struct {
	dims []int64
	es   int
	data []byte
}

func (r *refArray) write(starts, counts []int64, src []byte) {
	for i, off := range naiveOffsets(r.dims, starts, counts) {
		copy(r.data[off*int64(r.es):(off+1)*int64(r.es)], src[i*r.es:(i+1)*r.es])
	}
}

func (r *refArray) read(starts, counts []int64) []byte {
	var out []byte
	for _, off := range naiveOffsets(r.dims, starts, counts) {
		out = append(out, r.data[off*int64(r.es):(off+1)*int64(r.es)]...)
	}
	return out
}

func drawBox(rt *rapid.T, dims []int64) (starts, counts []int64, n int64) {
	starts = make([]int64, len(dims))
	counts = make([]int64, len(dims))
	n = 1
	for i, d := range dims {
		starts[i] = rapid.Int64Range(0, d).Draw(rt, "start")
		counts[i] = rapid.Int64Range(0, d-starts[i]).Draw(rt, "count")
		n *= counts[i]
	}
	return starts, counts, n
}

// TestArrayBlocksRandom writes and reads random sub-boxes of 1-D to 4-D
// arrays of every element size, outside and inside transactions, against an
// in-memory reference.
func TestArrayBlocksRandom(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		mustPutDS(t, db, "ds")
		iter := 0
		rapid.Check(t, func(rt *rapid.T) {
			iter++
			kind := rapid.SampledFrom(numericKinds).Draw(rt, "kind")
			nd := rapid.IntRange(1, 4).Draw(rt, "nd")
			maxDim := []int64{0, 40, 12, 6, 4}[nd]
			dims := make([]int64, nd)
			for i := range dims {
				dims[i] = rapid.Int64Range(0, maxDim).Draw(rt, "dim")
			}
			ref := &refArray{dims: dims, es: kind.Size()}
			size := ArrayMeta{Dimensions: dims, Kind: kind}.ByteSize()
			ref.data = make([]byte, size)
			rng := rand.New(rand.NewPCG(uint64(iter), 7))
			key := ArrayKey{URI: fmt.Sprintf("eml:///dataspace('ds')/eml20.obj_EpcExternalPartReference(%d)", iter), Path: "/a"}
			meta := ArrayMeta{Dataspace: "ds", Dimensions: dims, Kind: kind, TransportArrayType: 4, LogicalArrayType: 10}
			if rapid.Bool().Draw(rt, "put whole") {
				fillRandom(rng, ref.data)
				if _, err := db.PutArray(key, meta, ref.data); err != nil {
					rt.Fatal(err)
				}
			} else if _, err := db.CreateArray(key, meta); err != nil {
				rt.Fatal(err)
			}
			check := func(rw ReadWriter, ref *refArray, what string) {
				got := make([]byte, len(ref.data))
				if err := rw.ReadBlock(key, nil, nil, got); err != nil {
					rt.Fatalf("%s: read whole: %v", what, err)
				}
				if !bytes.Equal(got, ref.data) {
					rt.Fatalf("%s: whole array differs from the reference", what)
				}
			}
			ops := func(rw ReadWriter, ref *refArray) {
				for range rapid.IntRange(1, 6).Draw(rt, "ops") {
					starts, counts, n := drawBox(rt, dims)
					buf := make([]byte, n*int64(ref.es))
					if rapid.Bool().Draw(rt, "write") {
						fillRandom(rng, buf)
						if err := rw.WriteBlock(key, starts, counts, buf); err != nil {
							rt.Fatalf("WriteBlock(%v, %v): %v", starts, counts, err)
						}
						ref.write(starts, counts, buf)
					} else {
						if err := rw.ReadBlock(key, starts, counts, buf); err != nil {
							rt.Fatalf("ReadBlock(%v, %v): %v", starts, counts, err)
						}
						if want := ref.read(starts, counts); !bytes.Equal(buf, want) {
							rt.Fatalf("ReadBlock(%v, %v) differs from the reference", starts, counts)
						}
					}
				}
			}
			ops(db, ref)
			check(db, ref, "auto")
			if rapid.Bool().Draw(rt, "tx") {
				// Copy-on-write inside a transaction: others keep seeing
				// the committed array until Commit; Rollback drops it.
				committed := &refArray{dims: dims, es: ref.es, data: slices.Clone(ref.data)}
				tx, err := db.Begin([]string{"ds"})
				if err != nil {
					rt.Fatal(err)
				}
				ops(tx, ref)
				check(tx, ref, "tx")
				check(db, committed, "outside tx")
				if rapid.Bool().Draw(rt, "commit") {
					if err := tx.Commit(); err != nil {
						rt.Fatal(err)
					}
				} else {
					if err := tx.Rollback(); err != nil {
						rt.Fatal(err)
					}
					ref = committed
				}
				check(db, ref, "after tx")
			}
			got, err := db.GetArrayMeta(key)
			if err != nil {
				rt.Fatal(err)
			}
			if !slices.Equal(got.Dimensions, dims) || got.Kind != kind || got.TransportArrayType != 4 || got.LogicalArrayType != 10 || got.StoreLastWrite < got.StoreCreated {
				rt.Fatalf("metadata %+v", got)
			}
			if err := db.DeleteObject(key.URI); err == nil {
				rt.Fatal("DeleteObject of an array-only URI succeeded")
			}
			if err := db.DeleteArray(key); err != nil {
				rt.Fatal(err)
			}
		})
		if n := arrayFiles(t, db); n != 0 {
			t.Fatalf("%d array files left after deleting every array", n)
		}
	})
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

func TestArrayMetadataRoundTrip(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		for _, rc := range rwCases {
			t.Run(rc.name, func(t *testing.T) {
				db := m.open(t, nil)
				rw, done := rc.rw(t, db, "")
				k := ArrayKey{URI: "eml:///eml20.obj_EpcExternalPartReference(1)", Path: "/RESQML/x/points"}
				in := ArrayMeta{Dimensions: []int64{10, 20, 3}, Kind: KindFloat64, TransportArrayType: 4, LogicalArrayType: 10,
					PreferredSubarrayDimensions: []int64{5, 20, 3}, CustomData: []byte("custom"), StoreCreated: 1, StoreLastWrite: 2}
				out, err := rw.CreateArray(k, in)
				wantErr(t, err, nil)
				if out.StoreCreated <= 2 || out.StoreLastWrite < out.StoreCreated {
					t.Fatalf("store times not set by the store: %+v", out)
				}
				want := in
				want.StoreCreated, want.StoreLastWrite = out.StoreCreated, out.StoreLastWrite
				if diff := cmp.Diff(want, out); diff != "" {
					t.Fatalf("CreateArray result (-want +got):\n%s", diff)
				}
				// Replacing keeps StoreCreated.
				in2 := in
				in2.Dimensions = []int64{2}
				in2.PreferredSubarrayDimensions = nil
				out2, err := rw.PutArray(k, in2, make([]byte, 16))
				wantErr(t, err, nil)
				if out2.StoreCreated != out.StoreCreated || !slices.Equal(out2.Dimensions, []int64{2}) {
					t.Fatalf("replace: %+v (first %+v)", out2, out)
				}
				list, err := rw.ListArrays(k.URI)
				wantErr(t, err, nil)
				if len(list) != 1 || list[0].Key != k {
					t.Fatalf("ListArrays = %+v", list)
				}
				done()
				got, err := db.GetArrayMeta(k)
				wantErr(t, err, nil)
				if !slices.Equal(got.Dimensions, []int64{2}) || got.StoreCreated == 0 || string(got.CustomData) != "custom" {
					t.Fatalf("committed metadata %+v", got)
				}
				if m.reopen != nil {
					db = m.reopen(t, db)
					again, err := db.GetArrayMeta(k)
					wantErr(t, err, nil)
					if diff := cmp.Diff(got, again); diff != "" {
						t.Fatalf("after reopen (-before +after):\n%s", diff)
					}
				}
			})
		}
	})
}
