package epc

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openBytes writes a package to dir and opens it.
func openBytes(t *testing.T, dir string, data []byte, opts *OpenOptions) (*Package, string, error) {
	t.Helper()
	name := writeFile(t, dir, "in.epc", data)
	p, err := Open(context.Background(), name, opts)
	if err == nil {
		t.Cleanup(func() { p.Close() })
	}
	return p, name, err
}

func TestOpenVariants(t *testing.T) {
	t.Parallel()
	gridPart := "obj_Grid2dRepresentation_" + uuidGrid20 + ".xml"
	crsPart := "RESQML/obj_LocalDepth3dCrs_" + uuidCrs20 + ".xml"
	proxyPart := "obj_EpcExternalPartReference_" + uuidProxy20 + ".xml"
	latin1 := append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`+"\n"), bytes.Replace(crs20(uuidCrs20, "Caf\xe9"), []byte(`<?xml version="1.0" encoding="UTF-8"?>`), nil, 1)...)
	extRels := func(target string) zipEntry {
		return zipEntry{name: "_rels/" + proxyPart + ".rels", data: relsXML([4]string{"Hdf5File", RelExternalResource, target, "External"})}
	}
	tests := []struct {
		name    string
		entries []zipEntry
		check   func(t *testing.T, p *Package, dir string)
	}{
		{
			name: "default content types only, no core properties",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
				{name: gridPart, data: grid20(uuidGrid20, uuidCrs20, uuidProxy20)},
				{name: proxyPart, data: proxy20(uuidProxy20, "p"), store: true},
				{name: "custom/notes.xml", data: []byte(`<notes uuid="x">not a data object</notes>`)},
			},
			check: func(t *testing.T, p *Package, dir string) {
				objs := p.Objects()
				if len(objs) != 2 || objs[0].ContentType != ctProxy20 || objs[1].ContentType != ctGrid20 {
					t.Fatalf("objects %+v", objs)
				}
				if diff := cmp.Diff(CoreProperties{}, p.CoreProperties()); diff != "" {
					t.Error(diff)
				}
				want := []ExternalPart{{ProxyUUID: uuidProxy20, PartName: "/" + proxyPart}}
				if diff := cmp.Diff(want, p.ExternalParts()); diff != "" {
					t.Error(diff)
				}
				_, err := p.ArrayFile(objs[1].Arrays[0])
				if err == nil || !strings.Contains(err.Error(), "has no externalResource relationship naming its HDF5 file") {
					t.Errorf("ArrayFile: %v", err)
				}
				d := p.Dangling()
				if len(d) != 1 || d[0].Reference.UUID != uuidCrs20 || d[0].PartName != "/"+gridPart {
					t.Fatalf("Dangling = %+v", d)
				}
				wantMsg := "resqml20.obj_Grid2dRepresentation(" + uuidGrid20 + ") refers at Grid2dPatch/Geometry/LocalCrs to resqml20.obj_LocalDepth3dCrs " + uuidCrs20 + ", which is not in the package"
				if d[0].String() != wantMsg {
					t.Errorf("Dangling message %q", d[0].String())
				}
			},
		},
		{
			name: "overrides in other case and escaped, parts in folders, relative targets",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML([][2]string{{"RELS", ContentTypeRelationships}},
					[][2]string{{"/resqml/OBJ_LocalDepth3dCrs_" + uuidCrs20 + "%2Exml", ctCrs20}, {"/" + gridPart, ctGrid20},
						{"/docProps/core.xml", ContentTypeCoreProperties}})},
				{name: "_rels/.rels", data: relsXML([4]string{"rId0", RelCoreProperties, "/docProps/core.xml", ""})},
				{name: "docProps/core.xml", data: []byte(`<cp:coreProperties xmlns:cp="` + nsCoreProperties + `" xmlns:dc="` + nsDC + `" xmlns:dcterms="` + nsDCTerms + `"><dc:creator>someone</dc:creator><dc:title> T </dc:title><dcterms:created>2020-01-01T00:00:00Z</dcterms:created><cp:version>1.0</cp:version></cp:coreProperties>`)},
				{name: crsPart, data: crs20(uuidCrs20, "crs")},
				{name: "RESQML/_rels/obj_LocalDepth3dCrs_" + uuidCrs20 + ".xml.rels", data: relsXML([4]string{"_s", RelSourceObject, "../" + gridPart, ""})},
				{name: gridPart, data: grid20(uuidGrid20, uuidCrs20, uuidProxy20)},
				{name: "_rels/" + gridPart + ".rels", data: relsXML([4]string{"_d", RelDestinationObject, crsPart, "Internal"})},
			},
			check: func(t *testing.T, p *Package, dir string) {
				crs, ok := p.Object(strings.ToUpper(uuidCrs20))
				if !ok || crs.PartName != "/"+crsPart || crs.ContentType != ctCrs20 {
					t.Fatalf("crs %+v", crs)
				}
				want := []Relationship{{ID: "_s", Type: RelSourceObject, Target: "../" + gridPart, TargetPart: "/" + gridPart}}
				if diff := cmp.Diff(want, crs.Relationships); diff != "" {
					t.Error(diff)
				}
				grid, _ := p.Object(uuidGrid20)
				want = []Relationship{{ID: "_d", Type: RelDestinationObject, Target: crsPart, TargetPart: "/" + crsPart}}
				if diff := cmp.Diff(want, grid.Relationships); diff != "" {
					t.Error(diff)
				}
				wantCore := CoreProperties{Creator: "someone", Title: "T", Created: "2020-01-01T00:00:00Z", Version: "1.0"}
				if diff := cmp.Diff(wantCore, p.CoreProperties()); diff != "" {
					t.Error(diff)
				}
				if d := p.Dangling(); len(d) != 1 || d[0].Reference.UUID != uuidProxy20 {
					t.Errorf("Dangling = %+v", d)
				}
			},
		},
		{
			name: "escaped relative external target",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, [][2]string{{"/" + proxyPart, ctProxy20}})},
				{name: proxyPart, data: proxy20(uuidProxy20, "p")},
				extRels("sub%20dir/m.h5"),
			},
			check: func(t *testing.T, p *Package, dir string) {
				want := map[string]string{uuidProxy20: filepath.Join(dir, "sub dir", "m.h5")}
				if diff := cmp.Diff(want, p.ExternalFiles()); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "file URL external target",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
				{name: proxyPart, data: proxy20(uuidProxy20, "p")},
				extRels("file:///data/m%20x.h5"),
			},
			check: func(t *testing.T, p *Package, dir string) {
				if got := p.ExternalFiles()[uuidProxy20]; got != filepath.FromSlash("/data/m x.h5") {
					t.Errorf("file = %q", got)
				}
			},
		},
		{
			name: "absolute path external target",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
				{name: proxyPart, data: proxy20(uuidProxy20, "p")},
				extRels("/data/abs.h5"),
			},
			check: func(t *testing.T, p *Package, dir string) {
				if got := p.ExternalFiles()[uuidProxy20]; got != filepath.FromSlash("/data/abs.h5") {
					t.Errorf("file = %q", got)
				}
			},
		},
		{
			name: "remote external target",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
				{name: proxyPart, data: proxy20(uuidProxy20, "p")},
				{name: gridPart, data: grid20(uuidGrid20, uuidCrs20, uuidProxy20)},
				extRels("https://example.com/m.h5"),
			},
			check: func(t *testing.T, p *Package, dir string) {
				if len(p.ExternalFiles()) != 0 {
					t.Errorf("ExternalFiles = %v, want none", p.ExternalFiles())
				}
				if e := p.ExternalParts(); len(e) != 1 || e[0].Target != "https://example.com/m.h5" || e[0].Path != "" {
					t.Errorf("ExternalParts = %+v", e)
				}
				g, _ := p.Object(uuidGrid20)
				_, err := p.ArrayFile(g.Arrays[0])
				if err == nil || !strings.Contains(err.Error(), `names "https://example.com/m.h5", which is not a local file`) {
					t.Errorf("ArrayFile: %v", err)
				}
			},
		},
		{
			name: "byte order mark and Latin-1",
			entries: []zipEntry{
				{name: contentTypesName, data: append([]byte("\ufeff"), contentTypesXML(defaultTypes, [][2]string{{"/a.xml", ctCrs20}})...)},
				{name: "a.xml", data: latin1},
			},
			check: func(t *testing.T, p *Package, dir string) {
				o, ok := p.Object(uuidCrs20)
				if !ok || o.Title != "Café" {
					t.Errorf("object %+v", o)
				}
			},
		},
		{
			name: "RESQML 2.2 array URIs: a uuid, an ETP URI, a file, a reference",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
				{name: "a.xml", data: grid22(uuidGrid22, uuidCrs23, strings.ToUpper(uuidProxy23), "")},
				{name: "b.xml", data: grid22(uuidGrid22b, uuidCrs23, "eml:///dataspace('x')/eml23.EpcExternalPartReference(uuid="+uuidProxy23+",version='1')", "")},
				{name: "c.xml", data: grid22("0a2b3c4d-0000-4000-8000-00000000000c", uuidCrs23, "../h5/c.h5", "")},
				{name: "d.xml", data: grid22("0a2b3c4d-0000-4000-8000-00000000000d", uuidCrs23, "ignored.h5", uuidProxy23)},
				{name: "p.xml", data: proxy23(uuidProxy23)},
				{name: "_rels/p.xml.rels", data: relsXML([4]string{"h", RelExternalResource, "m.h5", "External"})},
			},
			check: func(t *testing.T, p *Package, dir string) {
				got := map[string][2]string{}
				for _, o := range p.Objects() {
					for _, a := range o.Arrays {
						f, err := p.ArrayFile(a)
						if err != nil {
							t.Errorf("ArrayFile %s: %v", o.PartName, err)
						}
						got[o.PartName] = [2]string{a.ProxyUUID, f}
					}
				}
				m := filepath.Join(dir, "m.h5")
				want := map[string][2]string{"/a.xml": {uuidProxy23, m}, "/b.xml": {uuidProxy23, m},
					"/c.xml": {"", filepath.Join(filepath.Dir(dir), "h5", "c.h5")}, "/d.xml": {uuidProxy23, m}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name: "other parts are skipped",
			entries: []zipEntry{
				{name: contentTypesName, data: contentTypesXML(append(defaultTypes, [2]string{"png", "image/png"}), nil)},
				{name: "docProps/", data: nil},
				{name: "docProps/thumbnail.png", data: []byte("\x89PNG not really")},
				{name: "a.xml", data: crs23(uuidCrs23)},
			},
			check: func(t *testing.T, p *Package, dir string) {
				if objs := p.Objects(); len(objs) != 1 || objs[0].QualifiedType != "eml23.LocalEngineeringCompoundCrs" {
					t.Errorf("objects %+v", objs)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p, _, err := openBytes(t, dir, buildZip(t, tc.entries...), nil)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p, dir)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ct := zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)}
	obj := func(name string, data []byte) zipEntry { return zipEntry{name: name, data: data} }
	crs := crs20(uuidCrs20, "c")
	deflated := func(b []byte) []byte {
		// The raw deflate stream of b, taken from a zip archive.
		z := buildZip(t, zipEntry{name: "x", data: b})
		zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			t.Fatal(err)
		}
		off, err := zr.File[0].DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		return z[off : off+int64(zr.File[0].CompressedSize64)]
	}
	deep := strings.Repeat("<a>", 1001) + strings.Repeat("</a>", 1001)
	tests := []struct {
		name    string
		data    []byte // the archive; nil means buildZip(entries)
		entries []zipEntry
		opts    *OpenOptions
		want    string // after "epc <name>: "
		is      error
	}{
		{name: "not a zip", data: []byte("PK but not really a zip archive"), want: "not a zip archive, so not an EPC package"},
		{name: "no content types", entries: []zipEntry{obj("a.xml", crs)}, want: "no [Content_Types].xml: not an OPC package"},
		{name: "content types not well-formed", entries: []zipEntry{obj(contentTypesName, []byte("<Types>\n<Default></Types>"))},
			want: "/[Content_Types].xml: not well-formed XML: line 2: element <Default> closed by </Types>"},
		{name: "content types with another root", entries: []zipEntry{obj(contentTypesName, []byte("<Typos/>"))},
			want: "/[Content_Types].xml: unexpected XML: expected element type <Types> but have <Typos>"},
		{name: "content types with a bad override", entries: []zipEntry{obj(contentTypesName, contentTypesXML(nil, [][2]string{{"a.xml", ctCrs20}}))},
			want: `/[Content_Types].xml: an Override needs a PartName starting with "/" and a ContentType (got PartName "a.xml"`},
		{name: "content types with two defaults", entries: []zipEntry{obj(contentTypesName, contentTypesXML([][2]string{{"xml", "a/b"}, {"XML", "a/c"}}, nil))},
			want: `/[Content_Types].xml: two Default entries for extension "xml"`},
		{name: "part without content type", entries: []zipEntry{ct, obj("data/a.bin", []byte{1, 2})},
			want: "/data/a.bin: the part has no content type"},
		{name: "data object not well-formed", entries: []zipEntry{ct, obj("a.xml", []byte("<r:X xmlns:r=\""+nsResqml+"\">\n\n<b></r:X>"))},
			want: "/a.xml: not well-formed XML: line 3: element <b> closed by </X>"},
		{name: "data object truncated", entries: []zipEntry{ct, obj("a.xml", crs[:len(crs)-30])},
			want: "/a.xml: not well-formed XML: line 10: unexpected EOF"},
		{name: "no uuid", entries: []zipEntry{ct, obj("a.xml", []byte(`<r:X xmlns:r="`+nsResqml+`" schemaVersion="2.0"/>`))},
			want: "/a.xml: root element <X> has no uuid attribute"},
		{name: "bad uuid", entries: []zipEntry{ct, obj("a.xml", []byte(`<r:X xmlns:r="`+nsResqml+`" schemaVersion="2.0" uuid="g0000000-0000-0000-0000-000000000000"/>`))},
			want: `/a.xml: root element <X>: uuid "g0000000-0000-0000-0000-000000000000" is not a UUID`},
		{name: "duplicate uuid", entries: []zipEntry{ct, obj("a.xml", crs), obj("b.xml", crs20(strings.ToUpper(uuidCrs20), "again"))},
			want: "/b.xml: uuid " + uuidCrs20 + " is used by part /a.xml too"},
		{name: "path traversal", entries: []zipEntry{ct, obj("../evil.xml", crs)}, want: `entry name "../evil.xml" leaves the package through "..": refused`},
		{name: "path traversal inside", entries: []zipEntry{ct, obj(`a\..\..\evil.xml`, crs)}, want: `entry name "a\\..\\..\\evil.xml" leaves the package through "..": refused`},
		{name: "absolute name", entries: []zipEntry{ct, obj("/etc/evil.xml", crs)}, want: `entry name "/etc/evil.xml" is absolute: refused`},
		{name: "drive letter", entries: []zipEntry{ct, obj("C:/evil.xml", crs)}, want: `entry name "C:/evil.xml" starts with a drive letter: refused`},
		{name: "two entries for one part", entries: []zipEntry{ct, obj("A.xml", crs), obj("a.xml", crs)},
			want: `the archive has two entries for part "/a.xml" ("A.xml" and "a.xml")`},
		{name: "part larger than the limit", entries: []zipEntry{ct, obj("a.xml", crs)}, opts: &OpenOptions{MaxPartSize: 400},
			want: fmt.Sprintf("/a.xml: the part has %d bytes, more than the limit of 400", len(crs)), is: ErrTooLarge},
		{name: "part inflating past its header size", entries: []zipEntry{ct,
			{name: "a.xml", raw: true, method: zip.Deflate, data: deflated(bytes.Repeat(crs, 100)), crc: crc(crs), size: uint64(len(crs))}},
			want: "/a.xml: cannot read the zip entry: zip: not a valid zip file"},
		{name: "too many parts", entries: []zipEntry{ct, obj("a.xml", crs), obj("b.xml", crs)}, opts: &OpenOptions{MaxParts: 2},
			want: "the archive has 3 entries, more than the limit of 2", is: ErrTooLarge},
		{name: "unknown compression", entries: []zipEntry{ct, {name: "a.xml", raw: true, method: 99, data: crs, crc: crc(crs), size: uint64(len(crs))}},
			want: "/a.xml: cannot read the zip entry: zip: unsupported compression algorithm"},
		{name: "checksum mismatch", entries: []zipEntry{ct, {name: "a.xml", raw: true, method: zip.Store, data: crs, crc: 1, size: uint64(len(crs))}},
			want: "/a.xml: cannot read the zip entry: zip: checksum error"},
		{name: "nesting too deep", entries: []zipEntry{zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, [][2]string{{"/a.xml", ctCrs20}})}, obj("a.xml", []byte(deep))},
			want: "/a.xml: XML nests deeper than 1000 elements (line 1)"},
		{name: "two root elements", entries: []zipEntry{ct, obj("a.xml", append(crs20(uuidCrs20, "c"), "<again/>"...))},
			want: "/a.xml: not well-formed XML: line 12: a second root element <again> after the first one ended"},
		{name: "text after the root", entries: []zipEntry{ct, obj("a.xml", append(crs20(uuidCrs20, "c"), "tail"...))},
			want: "/a.xml: not well-formed XML: line 12: text outside the root element"},
		{name: "unsupported encoding", entries: []zipEntry{ct, obj("a.xml", []byte(`<?xml version="1.0" encoding="UTF-16"?><a/>`))},
			want: `/a.xml: unsupported XML encoding "UTF-16" (UTF-8, US-ASCII and ISO-8859-1 are read)`},
		{name: "relationships not well-formed", entries: []zipEntry{ct, obj("a.xml", crs), obj("_rels/a.xml.rels", []byte("<Relationships><Relationship/>"))},
			want: "/_rels/a.xml.rels: not well-formed XML: line 1: unexpected EOF"},
		{name: "relationship with a bad target mode", entries: []zipEntry{ct, obj("a.xml", crs), obj("_rels/a.xml.rels", relsXML([4]string{"x", RelDestinationObject, "b.xml", "Elsewhere"}))},
			want: `/_rels/a.xml.rels: relationship 1 (Id "x"): TargetMode "Elsewhere" is neither Internal nor External`},
		{name: "relationship without target", entries: []zipEntry{ct, obj("_rels/.rels", relsXML([4]string{"x", RelCoreProperties, "", ""}))},
			want: `/_rels/.rels: relationship 1 (Id "x") needs a Type and a Target`},
		{name: "core properties not well-formed", entries: []zipEntry{ct, obj("_rels/.rels", relsXML([4]string{"c", RelCoreProperties, "docProps/core.xml", ""})), obj("docProps/core.xml", []byte("<cp:coreProperties>"))},
			want: "/docProps/core.xml: not well-formed XML"},
		{name: "content type and root disagree", entries: []zipEntry{zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, [][2]string{{"/a.xml", ctGrid20}})}, obj("a.xml", crs)},
			want: `/a.xml: content type "` + ctGrid20 + `" says resqml20.obj_Grid2dRepresentation, but the root element is <LocalDepth3dCrs> (resqml20.obj_LocalDepth3dCrs)`},
		{name: "data object content type on foreign XML", entries: []zipEntry{zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, [][2]string{{"/a.xml", ctCrs20}})}, obj("a.xml", []byte(`<html uuid="`+uuidCrs20+`"/>`))},
			want: `/a.xml: content type "` + ctCrs20 + `" names a data object, but the root element <html> is not in an Energistics namespace (got "")`},
		{name: "generic XML without schemaVersion", entries: []zipEntry{ct, obj("a.xml", []byte(`<r:X xmlns:r="`+nsResqml+`" uuid="`+uuidCrs20+`"/>`))},
			want: `/a.xml: content type "application/xml" names no data object type, and the XML does not say it either: root element <X> has no schemaVersion attribute`},
		{name: "over-long text", entries: []zipEntry{ct, obj("a.xml", []byte(`<r:X xmlns:r="`+nsResqml+`" uuid="`+uuidCrs20+`" schemaVersion="2.0"><r:Title>`+strings.Repeat("t", 70000)+`</r:Title></r:X>`))},
			want: "/a.xml: line 1: element <Title> holds more than 65536 bytes of text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := tc.data
			if data == nil {
				data = buildZip(t, tc.entries...)
			}
			_, name, err := openBytes(t, t.TempDir(), data, tc.opts)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			prefix := "epc " + name + ": "
			if !strings.HasPrefix(err.Error(), prefix+tc.want) {
				t.Errorf("error\n%s\nwant it to start with\n%s", err, prefix+tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Package != name {
				t.Errorf("error is %T, not an *Error for the package", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) is false", tc.is)
			}
		})
	}
}

func TestOpenMissingFileAndCancel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Open(context.Background(), filepath.Join(dir, "none.epc"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err = Open(context.Background(), dir, nil)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	name, _ := writeModel(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, name, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := grid20(uuidGrid20, uuidCrs20, uuidProxy20)
	p, _, err := openBytes(t, dir, buildZip(t, zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)}, zipEntry{name: "g.xml", data: big}), nil)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := p.Object(uuidGrid20)
	p.maxPart = 100 // as if the limit were lower when reading
	if _, err := p.Read(o); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "/g.xml: the part has") {
		t.Errorf("Read: %v", err)
	}
	if _, err := p.Read(Object{PartName: "/none.xml"}); err == nil || !strings.Contains(err.Error(), "/none.xml: no such part in the package") {
		t.Errorf("Read of a missing part: %v", err)
	}
}

// TestSamples reads the shared sample objects (RESQML 2.0.1 as pyetp writes
// them) through a package.
func TestSamples(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "reference", "samples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("sample objects not found in ../shared/reference/samples (outside the repository)")
	}
	out := filepath.Join(t.TempDir(), "samples.epc")
	w, err := Create(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Add(b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := Open(context.Background(), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	g, ok := p.Object("be3dc02d-ed9d-45b1-b291-6edced323411")
	if !ok {
		t.Fatal("the Grid2dRepresentation sample is missing")
	}
	wantArrays := []ArrayRef{{Path: "/RESQML/be3dc02d-ed9d-45b1-b291-6edced323411/zvalues", ProxyUUID: "d53c9c04-e83a-4ad7-87fc-567a0dd5e660", Where: "Grid2dPatch/Geometry/Points/ZValues/Values"}}
	if diff := cmp.Diff(wantArrays, g.Arrays); diff != "" {
		t.Error(diff)
	}
	if g.Title != "Demo grid" || len(g.References) != 2 || g.References[0].UUID != "dbe0e6ba-1ea6-4dd7-b541-9c4c14c16f62" {
		t.Errorf("grid %+v", g)
	}
	if len(p.Dangling()) != 0 {
		t.Errorf("Dangling = %v", p.Dangling())
	}
	if f, err := p.ArrayFile(g.Arrays[0]); err != nil || f != filepath.Join(filepath.Dir(out), "samples.h5") {
		t.Errorf("ArrayFile = %q, %v", f, err)
	}
}

func TestQualifiedTypeAndContentType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ctype, qt string
		err       string
	}{
		{ctype: "application/x-resqml+xml;version=2.0;type=obj_Grid2dRepresentation", qt: "resqml20.obj_Grid2dRepresentation"},
		{ctype: "application/x-resqml+xml; version=2.0.1; type=obj_LocalDepth3dCrs", qt: "resqml20.obj_LocalDepth3dCrs"},
		{ctype: "application/x-eml+xml;version=2.3;type=EpcExternalPartReference", qt: "eml23.EpcExternalPartReference"},
		{ctype: "application/x-witsml+xml;version=2.1;type=witsml21.Well", qt: "witsml21.Well"},
		{ctype: "application/xml", err: "is not an Energistics data object type"},
		{ctype: "application/x-resqml+xml;version=2.0", err: "has no type parameter"},
		{ctype: "application/x-resqml+xml;version=20;type=X", err: `version "20" is not a version such as 2.0 or 2.2`},
		{ctype: "application/x-resqml+xml;version=2.0;type=a-b", err: `type "a-b" is not a type name`},
		{ctype: ";;", err: "mime:"},
	}
	for _, tc := range tests {
		qt, err := QualifiedType(tc.ctype)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("QualifiedType(%q) = %q, %v; want error %q", tc.ctype, qt, err, tc.err)
			}
			continue
		}
		if err != nil || qt != tc.qt {
			t.Errorf("QualifiedType(%q) = %q, %v; want %q", tc.ctype, qt, err, tc.qt)
		}
		ct, err := ContentType(qt)
		if err != nil {
			t.Errorf("ContentType(%q): %v", qt, err)
		}
		if back, err := QualifiedType(ct); err != nil || back != qt {
			t.Errorf("ContentType(%q) = %q does not map back (%q, %v)", qt, ct, back, err)
		}
	}
	for _, bad := range []string{"resqml.X", "resqml02.X", "resqml20.", "RESQML20.X", "resqml200.X", "x"} {
		if _, err := ContentType(bad); err == nil {
			t.Errorf("ContentType(%q) succeeded", bad)
		}
	}
}
