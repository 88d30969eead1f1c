package epc

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// Test objects: written for these tests, shaped like the RESQML 2.0.1 and
// 2.2 objects real tools produce.

const (
	nsResqml = "http://www.energistics.org/energyml/data/resqmlv2"
	nsEml    = "http://www.energistics.org/energyml/data/commonv2"

	uuidCrs20   = "0a2b3c4d-0000-4000-8000-000000000001"
	uuidProxy20 = "0a2b3c4d-0000-4000-8000-000000000002"
	uuidGrid20  = "0a2b3c4d-0000-4000-8000-000000000003"
	uuidCrs23   = "0a2b3c4d-0000-4000-8000-000000000004"
	uuidProxy23 = "0a2b3c4d-0000-4000-8000-000000000005"
	uuidGrid22  = "0a2b3c4d-0000-4000-8000-000000000006"
	uuidGrid22b = "0a2b3c4d-0000-4000-8000-000000000007"
)

func crs20(uuid, title string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<resqml2:LocalDepth3dCrs xmlns:resqml2="` + nsResqml + `" xmlns:eml="` + nsEml + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0.1" uuid="` + uuid + `" xsi:type="resqml2:obj_LocalDepth3dCrs">
  <eml:Citation>
    <eml:Title>` + title + `</eml:Title>
    <eml:Originator>tests</eml:Originator>
    <eml:Creation>2026-01-02T03:04:05Z</eml:Creation>
  </eml:Citation>
  <resqml2:ProjectedUom>m</resqml2:ProjectedUom>
  <resqml2:VerticalUom>m</resqml2:VerticalUom>
  <resqml2:ZIncreasingDownward>true</resqml2:ZIncreasingDownward>
</resqml2:LocalDepth3dCrs>
`)
}

func proxy20(uuid, title string) []byte {
	return []byte(`<eml:EpcExternalPartReference xmlns:eml="` + nsEml + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" uuid="` + uuid + `" xsi:type="eml:obj_EpcExternalPartReference">
  <eml:Citation><eml:Title>` + title + `</eml:Title><eml:Originator>tests</eml:Originator><eml:Creation>2026-01-02T03:04:05Z</eml:Creation></eml:Citation>
  <eml:MimeType>application/x-hdf5</eml:MimeType>
</eml:EpcExternalPartReference>
`)
}

func grid20(uuid, crs, proxy string) []byte {
	return []byte(`<resqml2:Grid2dRepresentation xmlns:resqml2="` + nsResqml + `" xmlns:eml="` + nsEml + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0.1" uuid="` + uuid + `" objectVersion="7" xsi:type="resqml2:obj_Grid2dRepresentation">
  <eml:Citation>
    <eml:Title>Depth map</eml:Title>
    <eml:Originator>tests</eml:Originator>
    <eml:Creation>2026-01-02T03:04:05Z</eml:Creation>
  </eml:Citation>
  <resqml2:SurfaceRole>map</resqml2:SurfaceRole>
  <resqml2:Grid2dPatch>
    <resqml2:PatchIndex>0</resqml2:PatchIndex>
    <resqml2:FastestAxisCount>3</resqml2:FastestAxisCount>
    <resqml2:SlowestAxisCount>2</resqml2:SlowestAxisCount>
    <resqml2:Geometry>
      <resqml2:LocalCrs>
        <eml:ContentType>application/x-resqml+xml;version=2.0.1;type=obj_LocalDepth3dCrs</eml:ContentType>
        <eml:Title>Local CRS</eml:Title>
        <eml:UUID>` + crs + `</eml:UUID>
      </resqml2:LocalCrs>
      <resqml2:Points xsi:type="resqml2:Point3dZValueArray">
        <resqml2:ZValues xsi:type="resqml2:DoubleHdf5Array">
          <resqml2:Values>
            <eml:PathInHdfFile>/RESQML/` + uuid + `/zvalues</eml:PathInHdfFile>
            <eml:HdfProxy>
              <eml:ContentType>application/x-eml+xml;version=2.0;type=obj_EpcExternalPartReference</eml:ContentType>
              <eml:Title>HDF proxy</eml:Title>
              <eml:UUID>` + proxy + `</eml:UUID>
            </eml:HdfProxy>
          </resqml2:Values>
        </resqml2:ZValues>
      </resqml2:Points>
    </resqml2:Geometry>
  </resqml2:Grid2dPatch>
</resqml2:Grid2dRepresentation>
`)
}

func crs23(uuid string) []byte {
	return []byte(`<eml:LocalEngineeringCompoundCrs xmlns:eml="` + nsEml + `" schemaVersion="2.3" uuid="` + uuid + `">
  <eml:Citation><eml:Title>Compound CRS</eml:Title><eml:Originator>tests</eml:Originator><eml:Creation>2026-01-02T03:04:05Z</eml:Creation></eml:Citation>
</eml:LocalEngineeringCompoundCrs>
`)
}

func proxy23(uuid string) []byte {
	return []byte(`<eml:EpcExternalPartReference xmlns:eml="` + nsEml + `" schemaVersion="2.3" uuid="` + uuid + `">
  <eml:Citation><eml:Title>HDF 2.3</eml:Title><eml:Originator>tests</eml:Originator><eml:Creation>2026-01-02T03:04:05Z</eml:Creation></eml:Citation>
  <eml:MimeType>application/x-hdf5</eml:MimeType>
</eml:EpcExternalPartReference>
`)
}

// grid22 is a RESQML 2.2 grid whose z values are an ExternalDataArrayPart
// with the given URI; with dor, the part also holds an
// EpcExternalPartReference reference to dor.
func grid22(uuid, crs, uri, dor string) []byte {
	ref := ""
	if dor != "" {
		ref = `
            <eml:EpcExternalPartReference>
              <eml:Uuid>` + dor + `</eml:Uuid>
              <eml:QualifiedType>eml23.EpcExternalPartReference</eml:QualifiedType>
              <eml:Title>HDF 2.3</eml:Title>
            </eml:EpcExternalPartReference>`
	}
	return []byte(`<resqml:Grid2dRepresentation xmlns:resqml="` + nsResqml + `" xmlns:eml="` + nsEml + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.2" uuid="` + uuid + `">
  <eml:Citation><eml:Title>Grid 2.2</eml:Title><eml:Originator>tests</eml:Originator><eml:Creation>2026-01-02T03:04:05Z</eml:Creation></eml:Citation>
  <resqml:SurfaceRole>map</resqml:SurfaceRole>
  <resqml:Geometry>
    <resqml:LocalCrs>
      <eml:Uuid>` + crs + `</eml:Uuid>
      <eml:QualifiedType>eml23.LocalEngineeringCompoundCrs</eml:QualifiedType>
      <eml:Title>Compound CRS</eml:Title>
      <eml:ObjectVersion>2</eml:ObjectVersion>
    </resqml:LocalCrs>
    <resqml:Points xsi:type="resqml:Point3dZValueArray">
      <resqml:ZValues xsi:type="eml:FloatingPointExternalArray">
        <eml:Values>
          <eml:ExternalDataArrayPart>
            <eml:Count>6</eml:Count>
            <eml:PathInExternalFile>/RESQML/` + uuid + `/zvalues</eml:PathInExternalFile>
            <eml:StartIndex>0</eml:StartIndex>
            <eml:URI>` + uri + `</eml:URI>
            <eml:MimeType>application/x-hdf5</eml:MimeType>` + ref + `
          </eml:ExternalDataArrayPart>
        </eml:Values>
      </resqml:ZValues>
    </resqml:Points>
  </resqml:Geometry>
</resqml:Grid2dRepresentation>
`)
}

// zipEntry is one entry of a hand-built zip archive.
type zipEntry struct {
	name   string
	data   []byte
	store  bool   // no compression
	method uint16 // with raw: the header's method
	raw    bool   // write data as is with the header below
	crc    uint32
	size   uint64 // header's uncompressed size (raw only)
}

// buildZip writes entries into a zip archive in memory.
func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.raw {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: e.method, CRC32: e.crc,
				CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.size})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(e.data); err != nil {
				t.Fatal(err)
			}
			continue
		}
		m := zip.Deflate
		if e.store {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// contentTypesXML builds a [Content_Types].xml from defaults (extension ->
// type) and overrides (part name -> type), in the given order.
func contentTypesXML(defaults, overrides [][2]string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	for _, d := range defaults {
		fmt.Fprintf(&b, `<Default Extension="%s" ContentType="%s"/>`, d[0], d[1])
	}
	for _, o := range overrides {
		fmt.Fprintf(&b, `<Override PartName="%s" ContentType="%s"/>`, o[0], o[1])
	}
	b.WriteString("</Types>")
	return b.Bytes()
}

// relsXML builds a relationship part from (id, type, target, mode) tuples.
func relsXML(rels ...[4]string) []byte {
	var b bytes.Buffer
	b.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for _, r := range rels {
		mode := ""
		if r[3] != "" {
			mode = ` TargetMode="` + r[3] + `"`
		}
		fmt.Fprintf(&b, `<Relationship Id="%s" Type="%s" Target="%s"%s/>`, r[0], r[1], r[2], mode)
	}
	b.WriteString("</Relationships>")
	return b.Bytes()
}

var (
	defaultTypes = [][2]string{{"rels", ContentTypeRelationships}, {"xml", "application/xml"}}
	ctCrs20      = "application/x-resqml+xml;version=2.0;type=obj_LocalDepth3dCrs"
	ctProxy20    = "application/x-eml+xml;version=2.0;type=obj_EpcExternalPartReference"
	ctGrid20     = "application/x-resqml+xml;version=2.0;type=obj_Grid2dRepresentation"
)

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
