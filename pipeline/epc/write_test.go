package epc

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var fixedCore = CoreProperties{Creator: "tests", Created: "2026-01-02T03:04:05Z", Title: "Round & trip <model>", Description: "objects of every kind"}

// writeModel writes the test model with every kind of object and returns
// the package path and the XML by uuid.
func writeModel(t *testing.T, dir string) (string, map[string][]byte) {
	t.Helper()
	return writeModelTB(t, dir)
}

func writeModelTB(t testing.TB, dir string) (string, map[string][]byte) {
	t.Helper()
	name := filepath.Join(dir, "model.epc")
	w, err := Create(name, &WriterOptions{Core: fixedCore})
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string][]byte{
		uuidGrid20:  grid20(uuidGrid20, uuidCrs20, uuidProxy20),
		uuidCrs20:   crs20(uuidCrs20, "Local CRS"),
		uuidProxy20: proxy20(uuidProxy20, "HDF proxy"),
		uuidGrid22:  grid22(uuidGrid22, uuidCrs23, uuidProxy23, ""),
		uuidGrid22b: grid22(uuidGrid22b, uuidCrs23, "arrays/b.h5", ""),
		uuidCrs23:   crs23(uuidCrs23),
		uuidProxy23: proxy23(uuidProxy23),
	}
	// The proxy's file is named before the proxy is added.
	if err := w.AddExternalPart(strings.ToUpper(uuidProxy23), "other dir/x y.h5"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{uuidGrid20, uuidCrs20, uuidProxy20, uuidGrid22, uuidGrid22b, uuidCrs23, uuidProxy23} {
		if _, err := w.Add(objs[id]); err != nil {
			t.Fatalf("Add %s: %v", id, err)
		}
	}
	if d := w.Dangling(); len(d) != 0 {
		t.Errorf("Dangling = %v, want none", d)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return name, objs
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name, objs := writeModel(t, dir)
	p, err := Open(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	size := func(id string) int64 { return int64(len(objs[id])) }
	zArray := func(id string) string { return "/RESQML/" + id + "/zvalues" }
	const where22 = "Geometry/Points/ZValues/Values/ExternalDataArrayPart"
	crsRef23 := Reference{UUID: uuidCrs23, QualifiedType: "eml23.LocalEngineeringCompoundCrs", Title: "Compound CRS", Version: "2", Where: "Geometry/LocalCrs"}
	want := []Object{
		{PartName: "/obj_EpcExternalPartReference_" + uuidProxy20 + ".xml", ContentType: ctProxy20,
			QualifiedType: "eml20.obj_EpcExternalPartReference", UUID: uuidProxy20, Title: "HDF proxy", SchemaVersion: "2.0", Size: size(uuidProxy20)},
		{PartName: "/EpcExternalPartReference_" + uuidProxy23 + ".xml", ContentType: "application/x-eml+xml;version=2.3;type=EpcExternalPartReference",
			QualifiedType: "eml23.EpcExternalPartReference", UUID: uuidProxy23, Title: "HDF 2.3", SchemaVersion: "2.3", Size: size(uuidProxy23)},
		{PartName: "/LocalEngineeringCompoundCrs_" + uuidCrs23 + ".xml", ContentType: "application/x-eml+xml;version=2.3;type=LocalEngineeringCompoundCrs",
			QualifiedType: "eml23.LocalEngineeringCompoundCrs", UUID: uuidCrs23, Title: "Compound CRS", SchemaVersion: "2.3", Size: size(uuidCrs23)},
		{PartName: "/obj_Grid2dRepresentation_" + uuidGrid20 + ".xml", ContentType: ctGrid20,
			QualifiedType: "resqml20.obj_Grid2dRepresentation", UUID: uuidGrid20, Title: "Depth map", Version: "7", SchemaVersion: "2.0.1", Size: size(uuidGrid20),
			Arrays: []ArrayRef{{Path: zArray(uuidGrid20), ProxyUUID: uuidProxy20, Where: "Grid2dPatch/Geometry/Points/ZValues/Values"}},
			References: []Reference{
				{UUID: uuidCrs20, ContentType: "application/x-resqml+xml;version=2.0.1;type=obj_LocalDepth3dCrs", QualifiedType: "resqml20.obj_LocalDepth3dCrs", Title: "Local CRS", Where: "Grid2dPatch/Geometry/LocalCrs"},
				{UUID: uuidProxy20, ContentType: ctProxy20, QualifiedType: "eml20.obj_EpcExternalPartReference", Title: "HDF proxy", Where: "Grid2dPatch/Geometry/Points/ZValues/Values/HdfProxy"},
			}},
		{PartName: "/obj_LocalDepth3dCrs_" + uuidCrs20 + ".xml", ContentType: ctCrs20,
			QualifiedType: "resqml20.obj_LocalDepth3dCrs", UUID: uuidCrs20, Title: "Local CRS", SchemaVersion: "2.0.1", Size: size(uuidCrs20)},
		{PartName: "/Grid2dRepresentation_" + uuidGrid22 + ".xml", ContentType: "application/x-resqml+xml;version=2.2;type=Grid2dRepresentation",
			QualifiedType: "resqml22.Grid2dRepresentation", UUID: uuidGrid22, Title: "Grid 2.2", SchemaVersion: "2.2", Size: size(uuidGrid22),
			Arrays:     []ArrayRef{{Path: zArray(uuidGrid22), ProxyUUID: uuidProxy23, URI: uuidProxy23, Where: where22}},
			References: []Reference{crsRef23}},
		{PartName: "/Grid2dRepresentation_" + uuidGrid22b + ".xml", ContentType: "application/x-resqml+xml;version=2.2;type=Grid2dRepresentation",
			QualifiedType: "resqml22.Grid2dRepresentation", UUID: uuidGrid22b, Title: "Grid 2.2", SchemaVersion: "2.2", Size: size(uuidGrid22b),
			Arrays:     []ArrayRef{{Path: zArray(uuidGrid22b), URI: "arrays/b.h5", File: filepath.Join(dir, "arrays", "b.h5"), Where: where22}},
			References: []Reference{crsRef23}},
	}
	got := p.Objects()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Object{}, "Relationships"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
	keys := make([]string, len(got))
	for i, o := range got {
		keys[i] = o.Key()
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("Objects are not sorted by key: %v", keys)
	}

	for _, o := range got {
		data, err := p.Read(o)
		if err != nil {
			t.Fatalf("Read %s: %v", o.PartName, err)
		}
		if !bytes.Equal(data, objs[o.UUID]) {
			t.Errorf("Read %s: the XML differs from what was added", o.PartName)
		}
	}

	wantFiles := map[string]string{uuidProxy20: filepath.Join(dir, "model.h5"), uuidProxy23: filepath.Join(dir, "other dir", "x y.h5")}
	if diff := cmp.Diff(wantFiles, p.ExternalFiles()); diff != "" {
		t.Errorf("ExternalFiles (-want +got):\n%s", diff)
	}
	wantExt := []ExternalPart{
		{ProxyUUID: uuidProxy20, PartName: "/obj_EpcExternalPartReference_" + uuidProxy20 + ".xml", Target: "model.h5", Path: wantFiles[uuidProxy20]},
		{ProxyUUID: uuidProxy23, PartName: "/EpcExternalPartReference_" + uuidProxy23 + ".xml", Target: "other%20dir/x%20y.h5", Path: wantFiles[uuidProxy23]},
	}
	if diff := cmp.Diff(wantExt, p.ExternalParts()); diff != "" {
		t.Errorf("ExternalParts (-want +got):\n%s", diff)
	}
	for _, o := range got {
		for _, a := range o.Arrays {
			f, err := p.ArrayFile(a)
			if err != nil {
				t.Errorf("ArrayFile %s: %v", a.Path, err)
			}
			want := wantFiles[a.ProxyUUID]
			if a.File != "" {
				want = a.File
			}
			if f != want {
				t.Errorf("ArrayFile %s = %q, want %q", a.Path, f, want)
			}
		}
	}

	type rel struct{ Type, Target string }
	rels := func(id string) []rel {
		o, ok := p.Object(id)
		if !ok {
			t.Fatalf("Object(%s) not found", id)
		}
		var out []rel
		for _, r := range o.Relationships {
			tgt := r.TargetPart
			if r.External {
				tgt = "external:" + r.Target
			}
			out = append(out, rel{r.Type[strings.LastIndexByte(r.Type, '/')+1:], tgt})
		}
		return out
	}
	part := func(id string) string { o, _ := p.Object(id); return o.PartName }
	wantRels := map[string][]rel{
		uuidGrid20:  {{"destinationObject", part(uuidCrs20)}, {"mlToExternalPartProxy", part(uuidProxy20)}},
		uuidCrs20:   {{"sourceObject", part(uuidGrid20)}},
		uuidProxy20: {{"externalPartProxyToMl", part(uuidGrid20)}, {"externalResource", "external:model.h5"}},
		uuidCrs23:   {{"sourceObject", part(uuidGrid22)}, {"sourceObject", part(uuidGrid22b)}},
		uuidGrid22:  {{"destinationObject", part(uuidCrs23)}, {"mlToExternalPartProxy", part(uuidProxy23)}},
		uuidGrid22b: {{"destinationObject", part(uuidCrs23)}},
		uuidProxy23: {{"externalPartProxyToMl", part(uuidGrid22)}, {"externalResource", "external:other%20dir/x%20y.h5"}},
	}
	for id, want := range wantRels {
		if diff := cmp.Diff(want, rels(id)); diff != "" {
			t.Errorf("relationships of %s (-want +got):\n%s", part(id), diff)
		}
	}
	if d := p.Dangling(); len(d) != 0 {
		t.Errorf("Dangling = %v, want none", d)
	}
	if diff := cmp.Diff(fixedCore, p.CoreProperties()); diff != "" {
		t.Errorf("CoreProperties (-want +got):\n%s", diff)
	}
	if p.Name() != name {
		t.Errorf("Name = %q", p.Name())
	}

	// The archive holds exactly the expected entries, with an Override for
	// every part.
	zr, err := zip.OpenReader(name)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	wantNames := []string{"[Content_Types].xml", "_rels/.rels", "docProps/core.xml"}
	for _, o := range want {
		wantNames = append(wantNames, strings.TrimPrefix(o.PartName, "/"))
		if len(wantRels[o.UUID]) > 0 {
			wantNames = append(wantNames, relsName(o.PartName))
		}
	}
	sort.Strings(wantNames)
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("zip entries (-want +got):\n%s", diff)
	}
	ctf, err := zr.Open(contentTypesName)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := parseContentTypes(ctf)
	ctf.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range want {
		if got, ok := ct.overrides[partKey(o.PartName)]; !ok || got != o.ContentType {
			t.Errorf("Override for %s = %q, %v; want %q", o.PartName, got, ok, o.ContentType)
		}
	}
	if got := ct.overrides[partKey(corePartName)]; got != ContentTypeCoreProperties {
		t.Errorf("Override for the core properties = %q", got)
	}
}

func TestWriterIsReproducible(t *testing.T) {
	t.Parallel()
	var outs [][]byte
	for i := 0; i < 2; i++ {
		name, _ := writeModel(t, t.TempDir())
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two packages written from the same objects and options differ")
	}
}

func TestWriterDerivesTypes(t *testing.T) {
	t.Parallel()
	const id = "5c1d0e0a-1b2c-4d3e-8f40-51627384a5b6"
	tests := []struct {
		name      string
		xml       string
		qt, ctype string
		part      string
	}{
		{"resqml 2.0.1 with xsi:type", string(crs20(id, "c")), "resqml20.obj_LocalDepth3dCrs", ctCrs20, "/obj_LocalDepth3dCrs_" + id + ".xml"},
		{"resqml 2.0.1 without xsi:type gets obj_",
			`<r:TectonicBoundaryFeature xmlns:r="` + nsResqml + `" schemaVersion="2.0" uuid="` + strings.ToUpper(id) + `"/>`,
			"resqml20.obj_TectonicBoundaryFeature", "application/x-resqml+xml;version=2.0;type=obj_TectonicBoundaryFeature", "/obj_TectonicBoundaryFeature_" + id + ".xml"},
		{"eml 2.0 proxy", string(proxy20(id, "p")), "eml20.obj_EpcExternalPartReference", ctProxy20, "/obj_EpcExternalPartReference_" + id + ".xml"},
		{"resqml 2.2", string(grid22(id, uuidCrs23, uuidProxy23, "")), "resqml22.Grid2dRepresentation",
			"application/x-resqml+xml;version=2.2;type=Grid2dRepresentation", "/Grid2dRepresentation_" + id + ".xml"},
		{"eml 2.3 namespace commonv23", `<e:Activity xmlns:e="http://www.energistics.org/energyml/data/commonv23" schemaVersion="2.3" uuid="` + id + `"/>`,
			"eml23.Activity", "application/x-eml+xml;version=2.3;type=Activity", "/Activity_" + id + ".xml"},
		{"witsml 2.1 has no obj_", `<w:Well xmlns:w="http://www.energistics.org/energyml/data/witsmlv2" schemaVersion="2.1" uuid="` + id + `"/>`,
			"witsml21.Well", "application/x-witsml+xml;version=2.1;type=Well", "/Well_" + id + ".xml"},
		{"byte order mark", "\ufeff" + string(proxy23(id)), "eml23.EpcExternalPartReference",
			"application/x-eml+xml;version=2.3;type=EpcExternalPartReference", "/EpcExternalPartReference_" + id + ".xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, err := Create(filepath.Join(t.TempDir(), "x.epc"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Abort()
			o, err := w.Add([]byte(tc.xml))
			if err != nil {
				t.Fatal(err)
			}
			if o.QualifiedType != tc.qt || o.ContentType != tc.ctype || o.PartName != tc.part || o.UUID != id {
				t.Errorf("got %s, %s, %s, %s; want %s, %s, %s, %s", o.QualifiedType, o.ContentType, o.PartName, o.UUID, tc.qt, tc.ctype, tc.part, id)
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts *WriterOptions
		run  func(w *Writer) error
		want string
		is   error
	}{
		{name: "not well-formed", run: func(w *Writer) error {
			_, err := w.Add([]byte("<a>\n<b></a>"))
			return err
		}, want: "data object: not well-formed XML: line 2: element <b> closed by </a>"},
		{name: "no uuid", run: func(w *Writer) error {
			_, err := w.Add([]byte(`<r:X xmlns:r="` + nsResqml + `" schemaVersion="2.0.1"/>`))
			return err
		}, want: "data object: root element <X> has no uuid attribute"},
		{name: "bad uuid", run: func(w *Writer) error {
			_, err := w.Add([]byte(`<r:X xmlns:r="` + nsResqml + `" schemaVersion="2.0.1" uuid="1234"/>`))
			return err
		}, want: `data object: root element <X>: uuid "1234" is not a UUID`},
		{name: "no schemaVersion", run: func(w *Writer) error {
			_, err := w.Add([]byte(`<r:X xmlns:r="` + nsResqml + `" uuid="` + uuidCrs20 + `"/>`))
			return err
		}, want: "data object " + uuidCrs20 + ": root element <X> has no schemaVersion attribute"},
		{name: "not energistics", run: func(w *Writer) error {
			_, err := w.Add([]byte(`<html uuid="` + uuidCrs20 + `"/>`))
			return err
		}, want: "root element <html> is not in an Energistics namespace"},
		{name: "duplicate uuid", run: func(w *Writer) error {
			if _, err := w.Add(crs20(uuidCrs20, "a")); err != nil {
				return err
			}
			_, err := w.Add(crs20(strings.ToUpper(uuidCrs20), "b"))
			return err
		}, want: "/obj_LocalDepth3dCrs_" + uuidCrs20 + ".xml: uuid " + uuidCrs20 + " was already added"},
		{name: "too large", opts: &WriterOptions{MaxPartSize: 100}, run: func(w *Writer) error {
			_, err := w.Add(crs20(uuidCrs20, "a"))
			return err
		}, want: "is larger than the limit of 100", is: ErrTooLarge},
		{name: "external part with a bad uuid", run: func(w *Writer) error {
			return w.AddExternalPart("nope", "a.h5")
		}, want: `external part: "nope" is not a UUID`},
		{name: "external part without file", run: func(w *Writer) error {
			return w.AddExternalPart(uuidProxy20, " ")
		}, want: "empty file name"},
		{name: "external part for a proxy never added", run: func(w *Writer) error {
			if err := w.AddExternalPart(uuidProxy20, "a.h5"); err != nil {
				return err
			}
			return w.Close()
		}, want: "external files were named for " + uuidProxy20 + ", but no EpcExternalPartReference with that uuid was added"},
		{name: "external part for an object that is no proxy", run: func(w *Writer) error {
			if _, err := w.Add(crs20(uuidCrs20, "a")); err != nil {
				return err
			}
			if err := w.AddExternalPart(uuidCrs20, "a.h5"); err != nil {
				return err
			}
			return w.Close()
		}, want: "no EpcExternalPartReference with that uuid was added"},
		{name: "dangling references", opts: &WriterOptions{FailOnDangling: true}, run: func(w *Writer) error {
			if _, err := w.Add(grid20(uuidGrid20, uuidCrs20, uuidProxy20)); err != nil {
				return err
			}
			return w.Close()
		}, want: "2 dangling references: resqml20.obj_Grid2dRepresentation(" + uuidGrid20 + ") refers at Grid2dPatch/Geometry/LocalCrs to resqml20.obj_LocalDepth3dCrs " + uuidCrs20 + ", which is not in the package; "},
		{name: "add after close", run: func(w *Writer) error {
			if err := w.Close(); err != nil {
				return err
			}
			_, err := w.Add(crs20(uuidCrs20, "a"))
			return err
		}, want: "epc: closed", is: ErrClosed},
		{name: "close after abort", run: func(w *Writer) error {
			if err := w.Abort(); err != nil {
				return err
			}
			return w.Close()
		}, is: ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			name := filepath.Join(dir, "out.epc")
			w, err := Create(name, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.run(w)
			w.Abort()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "epc "+name) {
				t.Errorf("error %q\nwant it to start with %q and contain %q", err, "epc "+name, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.is)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is %T, not *Error", err)
			}
			// Only a successful Close leaves a file; nothing temporary stays.
			entries, _ := os.ReadDir(dir)
			for _, en := range entries {
				if en.Name() != "out.epc" || tc.name != "add after close" {
					t.Errorf("left behind: %s", en.Name())
				}
			}
		})
	}
}

func TestCreateBadLevel(t *testing.T) {
	t.Parallel()
	_, err := Create(filepath.Join(t.TempDir(), "x.epc"), &WriterOptions{Level: 10})
	if err == nil || !strings.Contains(err.Error(), "deflate level 10 is outside 1 to 9") {
		t.Errorf("got %v", err)
	}
}

func TestAbortKeepsTheOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name, _ := writeModel(t, dir)
	before, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Create(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add(crs20(uuidCrs20, "new")); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	after, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the old package changed (err %v)", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the package", len(entries))
	}
}

func TestWriterDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "run.1.epc")
	start := time.Now().UTC().Truncate(time.Second)
	w, err := Create(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add(proxy20(uuidProxy20, "p")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add(proxy23(uuidProxy23)); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "h5", "abs.h5")
	if err := w.AddExternalPart(uuidProxy23, abs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := Open(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	want := map[string]string{uuidProxy20: filepath.Join(dir, "run.1.h5"), uuidProxy23: abs}
	if diff := cmp.Diff(want, p.ExternalFiles()); diff != "" {
		t.Errorf("ExternalFiles (-want +got):\n%s", diff)
	}
	for _, e := range p.ExternalParts() {
		if filepath.IsAbs(e.Target) {
			t.Errorf("target %q is absolute: it should be relative to the package", e.Target)
		}
	}
	c := p.CoreProperties()
	created, err := time.Parse(time.RFC3339, c.Created)
	if c.Creator != DefaultCreator || err != nil || created.Before(start) || created.After(time.Now()) {
		t.Errorf("core properties %+v (%v)", c, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "c.epc")
	w, err := Create(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("0a2b3c4d-0000-4000-8000-%012x", i+0x100)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.Add(crs20(id, "crs "+id)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := Open(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	objs := p.Objects()
	if len(objs) != n {
		t.Fatalf("%d objects, want %d", len(objs), n)
	}
	for _, o := range objs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := p.Read(o)
			if err != nil || !bytes.Equal(b, crs20(o.UUID, "crs "+o.UUID)) {
				t.Errorf("Read %s: %v", o.PartName, err)
			}
		}()
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(objs[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
