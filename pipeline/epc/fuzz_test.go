package epc

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
)

// FuzzOpen feeds arbitrary archives to the reader: it must never panic, and
// what it accepts must be consistent.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	name, _ := writeModelTB(f, dir)
	if b, err := os.ReadFile(name); err == nil {
		f.Add(b)
	}
	f.Add(buildZip(f, zipEntry{name: contentTypesName, data: contentTypesXML(defaultTypes, nil)},
		zipEntry{name: "a.xml", data: grid22(uuidGrid22, uuidCrs23, "x.h5", uuidProxy23)},
		zipEntry{name: "_rels/a.xml.rels", data: relsXML([4]string{"h", RelExternalResource, "../m.h5", "External"})}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		p, err := newPackage(context.Background(), zr, "fuzz.epc", "/pkg", &OpenOptions{MaxPartSize: 1 << 20, MaxParts: 1000})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T: %v", err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, o := range p.Objects() {
			if !isUUID(o.UUID) || seen[o.UUID] || o.QualifiedType == "" || o.PartName == "" {
				t.Fatalf("inconsistent object %+v", o)
			}
			seen[o.UUID] = true
			if _, err := p.Read(o); err != nil && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Read %s after a successful Open: %v", o.PartName, err)
			}
			for _, a := range o.Arrays {
				_, _ = p.ArrayFile(a)
			}
		}
		_ = p.ExternalFiles()
		_ = p.Dangling()
	})
}

// FuzzScanXML checks the object scanner on arbitrary XML.
func FuzzScanXML(f *testing.F) {
	for _, b := range [][]byte{grid20(uuidGrid20, uuidCrs20, uuidProxy20), grid22(uuidGrid22, uuidCrs23, uuidProxy23, uuidProxy23), proxy20(uuidProxy20, "p"), []byte("<a><b/></a>")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := scanXML(bytes.NewReader(data), false)
		if err != nil {
			return
		}
		for _, r := range res.refs {
			if r.Where == "" {
				t.Fatalf("reference without a place: %+v", r)
			}
		}
	})
}
