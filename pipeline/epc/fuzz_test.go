package epc

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
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

// TestOpenMutations is a cheap, deterministic stand-in for fuzzing in every
// test run: damaged archives and damaged XML parts never panic, and every
// failure is an *Error.
func TestOpenMutations(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	parts := [][]byte{grid20(uuidGrid20, uuidCrs20, uuidProxy20), grid22(uuidGrid22, uuidCrs23, uuidProxy23, uuidProxy23), proxy20(uuidProxy20, "p"),
		contentTypesXML(defaultTypes, [][2]string{{"/a.xml", ctGrid20}}), relsXML([4]string{"h", RelExternalResource, "m.h5", "External"})}
	mutate := func(b []byte) []byte {
		b = append([]byte(nil), b...)
		for k := 0; k < 1+r.IntN(4); k++ {
			switch i := r.IntN(len(b)); r.IntN(3) {
			case 0:
				b[i] = byte(r.IntN(256))
			case 1:
				b = append(b[:i], b[min(len(b), i+1+r.IntN(8)):]...)
			default:
				b = append(b[:i], append([]byte("<>/\"'&;:x"[r.IntN(9):][:1]), b[i:]...)...)
			}
			if len(b) == 0 {
				b = []byte("<")
			}
		}
		return b
	}
	check := func(data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		p, err := newPackage(context.Background(), zr, "m.epc", "/pkg", nil)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T: %v", err, err)
			}
			return
		}
		for _, o := range p.Objects() {
			if _, err := p.Read(o); err != nil {
				t.Fatalf("Read %s after a successful Open: %v", o.PartName, err)
			}
		}
	}
	valid := buildZip(t, zipEntry{name: contentTypesName, data: parts[3]}, zipEntry{name: "a.xml", data: parts[0]},
		zipEntry{name: "p.xml", data: parts[2]}, zipEntry{name: "_rels/p.xml.rels", data: parts[4]})
	for i := 0; i < 200; i++ {
		check(mutate(valid))
		check(buildZip(t, zipEntry{name: contentTypesName, data: mutate(parts[3]), store: true}, zipEntry{name: "a.xml", data: mutate(parts[r.IntN(3)]), store: true},
			zipEntry{name: "p.xml", data: parts[2], store: true}, zipEntry{name: "_rels/p.xml.rels", data: mutate(parts[4]), store: true}))
	}
}
