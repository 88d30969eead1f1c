package storage

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDataspaces(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		for _, rc := range rwCases {
			t.Run(rc.name, func(t *testing.T) {
				db := m.open(t, nil)
				rw, done := rc.rw(t, db, "", "a", "b", "c")
				def, err := rw.GetDataspace("")
				wantErr(t, err, nil)
				if def.StoreCreated == 0 || def.StoreLastWrite < def.StoreCreated {
					t.Fatalf("default dataspace times %+v", def)
				}
				a := mustPutDS(t, rw, "a")
				if a.StoreCreated == 0 || a.StoreLastWrite != a.StoreCreated {
					t.Fatalf("new dataspace times %+v", a)
				}
				mustPutDS(t, rw, "b")
				upd, err := rw.PutDataspace(Dataspace{Path: "a", CustomData: []byte("owners")})
				wantErr(t, err, nil)
				if upd.StoreCreated != a.StoreCreated || !bytes.Equal(upd.CustomData, []byte("owners")) {
					t.Fatalf("update lost created time or custom data: %+v vs %+v", upd, a)
				}
				got, err := rw.GetDataspace("a")
				wantErr(t, err, nil)
				if diff := cmp.Diff(upd, got); diff != "" {
					t.Fatalf("GetDataspace after update (-put +get):\n%s", diff)
				}
				_, err = rw.GetDataspace("zz")
				wantErr(t, err, ErrNotFound)

				list, more, err := rw.ListDataspaces(DataspaceFilter{})
				wantErr(t, err, nil)
				var paths []string
				for _, d := range list {
					paths = append(paths, d.Path)
				}
				if more || !slices.Equal(paths, []string{"", "a", "b"}) {
					t.Fatalf("ListDataspaces = %q more=%v", paths, more)
				}
				list, more, err = rw.ListDataspaces(DataspaceFilter{Limit: 2})
				wantErr(t, err, nil)
				if len(list) != 2 || !more {
					t.Fatalf("limited list: %d entries, more=%v", len(list), more)
				}
				wantErr(t, rw.DeleteDataspace("", true), ErrInvalid)
				wantErr(t, rw.DeleteDataspace("c", false), ErrNotFound)
				wantErr(t, rw.DeleteDataspace("b", false), nil)
				_, err = rw.GetDataspace("b")
				wantErr(t, err, ErrNotFound)
				done()

				// After commit (or at once) the DB agrees.
				list, _, err = db.ListDataspaces(DataspaceFilter{})
				wantErr(t, err, nil)
				if len(list) != 2 || list[1].Path != "a" || string(list[1].CustomData) != "owners" {
					t.Fatalf("committed dataspaces: %+v", list)
				}
				// storeLastWrite filter: only those written after a point.
				cut := list[1].StoreLastWrite
				mustPutDS(t, db, "d")
				list, _, err = db.ListDataspaces(DataspaceFilter{LastWriteAfter: cut})
				wantErr(t, err, nil)
				if len(list) != 1 || list[0].Path != "d" {
					t.Fatalf("filtered by lastWrite > %d: %+v", cut, list)
				}
			})
		}
	})
}

func TestDataspaceDeleteCascade(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		for _, rc := range rwCases {
			t.Run(rc.name, func(t *testing.T) {
				db := m.open(t, nil)
				mustPutDS(t, db, "full")
				mustPutDS(t, db, "arrays-only")
				mustPutDS(t, db, "other")
				o := testObject("full", "eml20.obj_EpcExternalPartReference", 1)
				mustPutObj(t, db, o)
				meta := ArrayMeta{Dataspace: "full", Dimensions: []int64{4}, Kind: KindFloat64}
				if _, err := db.PutArray(ArrayKey{URI: o.URI, Path: "/p"}, meta, make([]byte, 32)); err != nil {
					t.Fatal(err)
				}
				meta.Dataspace = "arrays-only"
				if _, err := db.CreateArray(ArrayKey{URI: "eml:///dataspace('arrays-only')/eml20.obj_EpcExternalPartReference(x)", Path: "/q"}, meta); err != nil {
					t.Fatal(err)
				}
				keep := testObject("other", "resqml20.obj_Grid2dRepresentation", 2)
				mustPutObj(t, db, keep)
				if n := arrayFiles(t, db); n != 2 {
					t.Fatalf("%d array files, want 2", n)
				}

				rw, done := rc.rw(t, db, "full", "arrays-only")
				wantErr(t, rw.DeleteDataspace("full", false), ErrNotEmpty)
				wantErr(t, rw.DeleteDataspace("arrays-only", false), ErrNotEmpty)
				wantErr(t, rw.DeleteDataspace("full", true), nil)
				wantErr(t, rw.DeleteDataspace("arrays-only", true), nil)
				_, err := rw.GetObject(o.URI)
				wantErr(t, err, ErrNotFound)
				_, err = rw.GetArrayMeta(ArrayKey{URI: o.URI, Path: "/p"})
				wantErr(t, err, ErrNotFound)
				done()

				_, err = db.GetObject(o.URI)
				wantErr(t, err, ErrNotFound)
				if arrs, err := db.ListArrays(o.URI); err != nil || len(arrs) != 0 {
					t.Fatalf("arrays of deleted object: %v, %v", arrs, err)
				}
				if _, err := db.GetObject(keep.URI); err != nil {
					t.Fatalf("object of another dataspace lost: %v", err)
				}
				if n := arrayFiles(t, db); n != 0 {
					t.Fatalf("%d array files left after cascade", n)
				}
			})
		}
	})
}

func TestObjects(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		for _, rc := range rwCases {
			t.Run(rc.name, func(t *testing.T) {
				db := m.open(t, &Options{MaxObjectBytes: 1000})
				mustPutDS(t, db, "demo")
				mustPutDS(t, db, "elsewhere")
				rw, done := rc.rw(t, db, "demo", "", "nope")

				o := testObject("demo", "resqml20.obj_Grid2dRepresentation", 1)
				o.LastChanged = 12345
				o.CustomData = []byte{1, 2}
				info := mustPutObj(t, rw, o)
				if info.StoreCreated == 0 || info.Size != int64(len(o.Data)) || info.LastChanged != 12345 {
					t.Fatalf("put info %+v", info)
				}
				got, err := rw.GetObject(o.URI)
				wantErr(t, err, nil)
				want := o
				want.ObjectInfo = info
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("GetObject (-want +got):\n%s", diff)
				}
				// Upsert keeps StoreCreated, replaces the rest; LastChanged 0 = write time.
				o2 := o
				o2.Title, o2.Data, o2.LastChanged = "renamed", []byte("<obj v='2'/>"), 0
				info2 := mustPutObj(t, rw, o2)
				if info2.StoreCreated != info.StoreCreated || info2.LastChanged != info2.StoreLastWrite || info2.Title != "renamed" {
					t.Fatalf("upsert info %+v (first %+v)", info2, info)
				}
				gi, err := rw.GetObjectInfo(o.URI)
				wantErr(t, err, nil)
				if diff := cmp.Diff(info2, gi); diff != "" {
					t.Fatalf("GetObjectInfo (-put +get):\n%s", diff)
				}

				cases := []struct {
					name string
					o    Object
					want error
				}{
					{"missing dataspace", testObject("nope", "resqml20.obj_X", 2), ErrNotFound},
					{"empty uri", Object{ObjectInfo: ObjectInfo{Dataspace: "demo"}}, ErrInvalid},
					{"too large", Object{ObjectInfo: ObjectInfo{URI: "eml:///x", Dataspace: ""}, Data: make([]byte, 1001)}, ErrTooLarge},
					{"uri too long", Object{ObjectInfo: ObjectInfo{URI: string(make([]byte, MaxKeyLen+1)), Dataspace: "demo"}}, ErrInvalid},
					{"move to another dataspace", func() Object { x := o; x.Dataspace = ""; return x }(), ErrInvalid},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						_, err := rw.PutObject(c.o)
						wantErr(t, err, c.want)
					})
				}
				_, err = rw.GetObject("eml:///missing")
				wantErr(t, err, ErrNotFound)
				wantErr(t, rw.DeleteObject("eml:///missing"), ErrNotFound)

				// Deleting an object deletes its arrays.
				k := ArrayKey{URI: o.URI, Path: "/RESQML/points"}
				if _, err := rw.PutArray(k, ArrayMeta{Dataspace: "demo", Dimensions: []int64{2, 2}, Kind: KindInt32}, make([]byte, 16)); err != nil {
					t.Fatal(err)
				}
				// An array of this object cannot live in another dataspace.
				_, err = rw.CreateArray(ArrayKey{URI: o.URI, Path: "/x"}, ArrayMeta{Dataspace: "", Dimensions: []int64{1}, Kind: KindInt8})
				wantErr(t, err, ErrInvalid)
				wantErr(t, rw.DeleteObject(o.URI), nil)
				_, err = rw.GetObject(o.URI)
				wantErr(t, err, ErrNotFound)
				_, err = rw.GetArrayMeta(k)
				wantErr(t, err, ErrNotFound)
				done()
				if _, err := db.GetArrayMeta(k); !errErrIs(err, ErrNotFound) {
					t.Fatalf("array of deleted object after commit: %v", err)
				}
			})
		}
	})
}

func errErrIs(err, target error) bool { return err != nil && errors.Is(err, target) }

func TestListObjects(t *testing.T) {
	forEachMode(t, func(t *testing.T, m mode) {
		db := m.open(t, nil)
		mustPutDS(t, db, "demo")
		mustPutDS(t, db, "other")
		types := []string{"resqml20.obj_Grid2dRepresentation", "resqml20.obj_IjkGridRepresentation", "eml20.obj_EpcExternalPartReference", "witsml21.Well"}
		var all []string
		for i := range 20 {
			o := testObject("demo", types[i%len(types)], i)
			mustPutObj(t, db, o)
			all = append(all, o.URI)
		}
		mustPutObj(t, db, testObject("other", types[0], 100))
		slices.Sort(all)

		// Inside a transaction the listing merges its own writes.
		tx, err := db.Begin([]string{"demo"})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		added := testObject("demo", "resqml20.obj_Grid2dRepresentation", 50)
		mustPutObj(t, tx, added)
		wantErr(t, tx.DeleteObject(all[3]), nil)
		txAll := slices.Concat(all[:3], all[4:], []string{added.URI})
		slices.Sort(txAll)

		uris := func(l []ObjectInfo) []string {
			var u []string
			for _, o := range l {
				u = append(u, o.URI)
			}
			return u
		}
		filterTypes := func(uris []string, keep func(string) bool) []string {
			var out []string
			for _, u := range uris {
				if keep(u) {
					out = append(out, u)
				}
			}
			return out
		}
		has := func(sub ...string) func(string) bool {
			return func(u string) bool {
				for _, s := range sub {
					if bytes.Contains([]byte(u), []byte(s)) {
						return true
					}
				}
				return false
			}
		}
		cases := []struct {
			name string
			rw   ReadWriter
			f    ObjectFilter
			want []string
			more bool
		}{
			{"all", db, ObjectFilter{}, all, false},
			{"exact type", db, ObjectFilter{Types: []string{"witsml21.Well"}}, filterTypes(all, has("witsml21.Well(")), false},
			{"exact type other case", db, ObjectFilter{Types: []string{"WITSML21.well"}}, filterTypes(all, has("witsml21.Well(")), false},
			{"wildcard", db, ObjectFilter{Types: []string{"resqml20.*"}}, filterTypes(all, has("resqml20.")), false},
			{"two patterns", db, ObjectFilter{Types: []string{"eml20.*", "witsml21.Well"}}, filterTypes(all, has("eml20.", "witsml21.")), false},
			{"star", db, ObjectFilter{Types: []string{"*"}}, all, false},
			{"no match", db, ObjectFilter{Types: []string{"prodml22.*"}}, nil, false},
			{"limit", db, ObjectFilter{Limit: 5}, all[:5], true},
			{"limit exact", db, ObjectFilter{Limit: 20}, all, false},
			{"page", db, ObjectFilter{After: all[4], Limit: 5}, all[5:10], true},
			{"last page", db, ObjectFilter{After: all[14], Limit: 5}, all[15:], false},
			{"after unknown", db, ObjectFilter{After: all[4] + "x"}, all[5:], false},
			{"tx all", tx, ObjectFilter{}, txAll, false},
			{"tx wildcard", tx, ObjectFilter{Types: []string{"resqml20.*"}}, filterTypes(txAll, has("resqml20.")), false},
			{"tx page", tx, ObjectFilter{After: txAll[2], Limit: 3}, txAll[3:6], true},
			{"tx tail", tx, ObjectFilter{After: txAll[15]}, txAll[16:], false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				l, more, err := c.rw.ListObjects("demo", c.f)
				wantErr(t, err, nil)
				if diff := cmp.Diff(c.want, uris(l)); diff != "" || more != c.more {
					t.Fatalf("more=%v want %v; URIs (-want +got):\n%s", more, c.more, diff)
				}
			})
		}
		// Paging through everything with a small limit yields every object once.
		var paged []string
		after := ""
		for range 100 {
			l, more, err := tx.ListObjects("demo", ObjectFilter{After: after, Limit: 3})
			wantErr(t, err, nil)
			paged = append(paged, uris(l)...)
			if !more {
				break
			}
			after = l[len(l)-1].URI
		}
		if diff := cmp.Diff(txAll, paged); diff != "" {
			t.Fatalf("paged listing (-want +got):\n%s", diff)
		}
		// lastWrite filter.
		l, _, err := db.ListObjects("demo", ObjectFilter{})
		wantErr(t, err, nil)
		cut := l[0].StoreLastWrite
		var newer []string
		for _, o := range l {
			if o.StoreLastWrite > cut {
				newer = append(newer, o.URI)
			}
		}
		l, _, err = db.ListObjects("demo", ObjectFilter{LastWriteAfter: cut})
		wantErr(t, err, nil)
		if diff := cmp.Diff(newer, uris(l)); diff != "" || len(newer) == 0 {
			t.Fatalf("lastWrite filter (-want +got):\n%s", diff)
		}
		_, _, err = db.ListObjects("nope", ObjectFilter{})
		wantErr(t, err, ErrNotFound)
	})
}
