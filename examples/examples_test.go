// Package examples holds the runnable example jobs of etp-transfer and the
// test that (re)generates the quickstart's input files: every input file is
// made by this project, never copied from elsewhere.
//
// Regenerate with: go test ./examples -update
package examples

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/arrayfile"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/hdf5"
)

var update = flag.Bool("update", false, "rewrite the generated example input files")

// The quickstart's objects: a local depth CRS, the HDF proxy that owns the
// arrays, and a regular 2-D grid whose Z values are an array.
const (
	crsUUID  = "6b9a4a57-2f0e-4c1b-9d0e-3f5a8c7d2e10"
	epcUUID  = "0c3e8f21-7a4d-4b6e-8f19-2d7c5b4a3e90"
	gridUUID = "a7d2c9e4-5b81-4f3a-9c6d-1e0f2b3a4c58"
	nI, nJ   = 120, 150 // slowest, fastest axis counts of the grid
)

var crsXML = `<?xml version="1.0" encoding="UTF-8"?>
<resqml2:LocalDepth3dCrs xmlns:eml="http://www.energistics.org/energyml/data/commonv2" xmlns:resqml2="http://www.energistics.org/energyml/data/resqmlv2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0.1" uuid="` + crsUUID + `" xsi:type="resqml2:obj_LocalDepth3dCrs">
  <eml:Citation>
    <eml:Title>Quickstart depth CRS</eml:Title>
    <eml:Originator>etp-transfer examples</eml:Originator>
    <eml:Creation>2026-12-01T00:00:00Z</eml:Creation>
    <eml:Format>etp-transfer</eml:Format>
  </eml:Citation>
  <resqml2:YOffset>6470000.0</resqml2:YOffset>
  <resqml2:ZOffset>0.0</resqml2:ZOffset>
  <resqml2:ArealRotation uom="rad">0.0</resqml2:ArealRotation>
  <resqml2:ProjectedAxisOrder>easting northing</resqml2:ProjectedAxisOrder>
  <resqml2:ProjectedUom>m</resqml2:ProjectedUom>
  <resqml2:VerticalUom>m</resqml2:VerticalUom>
  <resqml2:XOffset>430000.0</resqml2:XOffset>
  <resqml2:ZIncreasingDownward>true</resqml2:ZIncreasingDownward>
  <resqml2:VerticalCrs xsi:type="eml:VerticalUnknownCrs">
    <eml:Unknown>unknown</eml:Unknown>
  </resqml2:VerticalCrs>
  <resqml2:ProjectedCrs xsi:type="eml:ProjectedEpsgCrs">
    <eml:EpsgCode>23031</eml:EpsgCode>
  </resqml2:ProjectedCrs>
</resqml2:LocalDepth3dCrs>
`

var epcXML = `<?xml version="1.0" encoding="UTF-8"?>
<eml:EpcExternalPartReference xmlns:eml="http://www.energistics.org/energyml/data/commonv2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" uuid="` + epcUUID + `" xsi:type="eml:obj_EpcExternalPartReference">
  <eml:Citation>
    <eml:Title>Quickstart arrays</eml:Title>
    <eml:Originator>etp-transfer examples</eml:Originator>
    <eml:Creation>2026-12-01T00:00:00Z</eml:Creation>
    <eml:Format>etp-transfer</eml:Format>
  </eml:Citation>
  <eml:MimeType>application/x-hdf5</eml:MimeType>
</eml:EpcExternalPartReference>
`

var gridXML = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<resqml2:Grid2dRepresentation xmlns:eml="http://www.energistics.org/energyml/data/commonv2" xmlns:resqml2="http://www.energistics.org/energyml/data/resqmlv2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0.1" uuid="%[1]s" xsi:type="resqml2:obj_Grid2dRepresentation">
  <eml:Citation>
    <eml:Title>Quickstart top reservoir depth</eml:Title>
    <eml:Originator>etp-transfer examples</eml:Originator>
    <eml:Creation>2026-12-01T00:00:00Z</eml:Creation>
    <eml:Format>etp-transfer</eml:Format>
  </eml:Citation>
  <resqml2:SurfaceRole>map</resqml2:SurfaceRole>
  <resqml2:Grid2dPatch>
    <resqml2:PatchIndex>0</resqml2:PatchIndex>
    <resqml2:FastestAxisCount>%[4]d</resqml2:FastestAxisCount>
    <resqml2:SlowestAxisCount>%[5]d</resqml2:SlowestAxisCount>
    <resqml2:Geometry>
      <resqml2:LocalCrs>
        <eml:ContentType>application/x-resqml+xml;version=2.0.1;type=obj_LocalDepth3dCrs</eml:ContentType>
        <eml:Title>Quickstart depth CRS</eml:Title>
        <eml:UUID>%[2]s</eml:UUID>
      </resqml2:LocalCrs>
      <resqml2:Points xsi:type="resqml2:Point3dZValueArray">
        <resqml2:SupportingGeometry xsi:type="resqml2:Point3dLatticeArray">
          <resqml2:Origin>
            <resqml2:Coordinate1>0.0</resqml2:Coordinate1>
            <resqml2:Coordinate2>0.0</resqml2:Coordinate2>
            <resqml2:Coordinate3>0.0</resqml2:Coordinate3>
          </resqml2:Origin>
          <resqml2:Offset>
            <resqml2:Coordinate1>1.0</resqml2:Coordinate1>
            <resqml2:Coordinate2>0.0</resqml2:Coordinate2>
            <resqml2:Coordinate3>0.0</resqml2:Coordinate3>
            <resqml2:Spacing xsi:type="resqml2:DoubleConstantArray">
              <resqml2:Value>25.0</resqml2:Value>
              <resqml2:Count>%[6]d</resqml2:Count>
            </resqml2:Spacing>
          </resqml2:Offset>
          <resqml2:Offset>
            <resqml2:Coordinate1>0.0</resqml2:Coordinate1>
            <resqml2:Coordinate2>1.0</resqml2:Coordinate2>
            <resqml2:Coordinate3>0.0</resqml2:Coordinate3>
            <resqml2:Spacing xsi:type="resqml2:DoubleConstantArray">
              <resqml2:Value>25.0</resqml2:Value>
              <resqml2:Count>%[7]d</resqml2:Count>
            </resqml2:Spacing>
          </resqml2:Offset>
        </resqml2:SupportingGeometry>
        <resqml2:ZValues xsi:type="resqml2:DoubleHdf5Array">
          <resqml2:Values>
            <eml:PathInHdfFile>/RESQML/%[1]s/zvalues</eml:PathInHdfFile>
            <eml:HdfProxy>
              <eml:ContentType>application/x-eml+xml;version=2.0;type=obj_EpcExternalPartReference</eml:ContentType>
              <eml:Title>Quickstart arrays</eml:Title>
              <eml:UUID>%[3]s</eml:UUID>
            </eml:HdfProxy>
          </resqml2:Values>
        </resqml2:ZValues>
      </resqml2:Points>
    </resqml2:Geometry>
  </resqml2:Grid2dPatch>
</resqml2:Grid2dRepresentation>
`, gridUUID, crsUUID, epcUUID, nJ, nI, nJ-1, nI-1)

// The RESQML model of resqml/: the quickstart's CRS, HDF proxy and grid,
// plus a continuous property (porosity, float64) and a discrete one
// (facies, int32) on the grid's nodes.
const (
	porosityUUID = "3f1c2b9a-8e7d-4c6b-a5f4-0e9d8c7b6a51"
	faciesUUID   = "b4e5d6c7-1a2b-4c3d-8e9f-7a6b5c4d3e22"
)

func propertyXML(kind, uuid, title, valuesType, path, extra string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<resqml2:%[1]s xmlns:eml="http://www.energistics.org/energyml/data/commonv2" xmlns:resqml2="http://www.energistics.org/energyml/data/resqmlv2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0.1" uuid="%[2]s" xsi:type="resqml2:obj_%[1]s">
  <eml:Citation>
    <eml:Title>%[3]s</eml:Title>
    <eml:Originator>etp-transfer examples</eml:Originator>
    <eml:Creation>2026-12-01T00:00:00Z</eml:Creation>
    <eml:Format>etp-transfer</eml:Format>
  </eml:Citation>
  <resqml2:IndexableElement>nodes</resqml2:IndexableElement>
  <resqml2:Count>1</resqml2:Count>
  <resqml2:PatchOfValues>
    <resqml2:RepresentationPatchIndex>0</resqml2:RepresentationPatchIndex>
    <resqml2:Values xsi:type="resqml2:%[4]s">
      <resqml2:Values>
        <eml:PathInHdfFile>%[5]s</eml:PathInHdfFile>
        <eml:HdfProxy>
          <eml:ContentType>application/x-eml+xml;version=2.0;type=obj_EpcExternalPartReference</eml:ContentType>
          <eml:Title>Quickstart arrays</eml:Title>
          <eml:UUID>%[7]s</eml:UUID>
        </eml:HdfProxy>
      </resqml2:Values>
    </resqml2:Values>
  </resqml2:PatchOfValues>
  <resqml2:SupportingRepresentation>
    <eml:ContentType>application/x-resqml+xml;version=2.0.1;type=obj_Grid2dRepresentation</eml:ContentType>
    <eml:Title>Quickstart top reservoir depth</eml:Title>
    <eml:UUID>%[8]s</eml:UUID>
  </resqml2:SupportingRepresentation>
%[6]s</resqml2:%[1]s>
`, kind, uuid, title, valuesType, path, extra, epcUUID, gridUUID)
}

var porosityXML = propertyXML("ContinuousProperty", porosityUUID, "Quickstart porosity", "DoubleHdf5Array",
	"/RESQML/"+porosityUUID+"/values_patch0", `  <resqml2:PropertyKind xsi:type="resqml2:StandardPropertyKind">
    <resqml2:Kind>porosity</resqml2:Kind>
  </resqml2:PropertyKind>
  <resqml2:UOM>m3/m3</resqml2:UOM>
`)

var faciesXML = propertyXML("DiscreteProperty", faciesUUID, "Quickstart facies", "IntegerHdf5Array",
	"/RESQML/"+faciesUUID+"/values_patch0", `  <resqml2:PropertyKind xsi:type="resqml2:StandardPropertyKind">
    <resqml2:Kind>discrete</resqml2:Kind>
  </resqml2:PropertyKind>
`)

// porosity and facies are the property values on the grid's nodes.
func porosity() []byte {
	b := make([]byte, 0, nI*nJ*8)
	for i := range nI {
		for j := range nJ {
			p := 0.18 + 0.08*math.Sin(float64(i)/9)*math.Cos(float64(j)/13)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p))
		}
	}
	return b
}

func facies() []byte {
	b := make([]byte, 0, nI*nJ*4)
	for i := range nI {
		for j := range nJ {
			b = binary.LittleEndian.AppendUint32(b, uint32((i/20+j/25)%4))
		}
	}
	return b
}

// writeModel writes the model as model.epc and model.h5 into dir.
func writeModel(t *testing.T, dir string) {
	t.Helper()
	h, err := hdf5.Create(filepath.Join(dir, "model.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Abort()
	for _, a := range []struct {
		path  string
		dtype hdf5.DType
		data  []byte
	}{
		{"/RESQML/" + gridUUID + "/zvalues", hdf5.Float64, zvalues()},
		{"/RESQML/" + porosityUUID + "/values_patch0", hdf5.Float64, porosity()},
		{"/RESQML/" + faciesUUID + "/values_patch0", hdf5.Int32, facies()},
	} {
		dw, err := h.CreateDataset(a.path, a.dtype, []int64{nI, nJ})
		if err != nil {
			t.Fatal(err)
		}
		if err := dw.WriteBlock([]int64{0, 0}, []int64{nI, nJ}, a.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := epc.Create(filepath.Join(dir, "model.epc"), &epc.WriterOptions{
		ExternalFile: "model.h5", Modified: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Core: epc.CoreProperties{Title: "etp-transfer example model", Creator: "etp-transfer examples", Created: "2026-12-01T00:00:00Z"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, x := range []string{crsXML, epcXML, gridXML, porosityXML, faciesXML} {
		if _, err := w.Add([]byte(x)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestResqmlModel checks that resqml/model.epc and model.h5 are what
// writeModel makes (or rewrites them with -update).
func TestResqmlModel(t *testing.T) {
	tmp := t.TempDir()
	writeModel(t, tmp)
	for _, name := range []string{"model.epc", "model.h5"} {
		want, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("resqml", name)
		if *update {
			if err := os.MkdirAll("resqml", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./examples -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator makes (run go test ./examples -update)", path)
		}
	}
}

// zvalues is a smooth dome: depth in metres on the nI x nJ lattice.
func zvalues() []byte {
	b := make([]byte, 0, nI*nJ*8)
	for i := range nI {
		for j := range nJ {
			x, y := float64(i)/nI-0.5, float64(j)/nJ-0.5
			z := 2500 - 400*math.Exp(-8*(x*x+y*y)) + 15*math.Sin(9*x)*math.Cos(7*y)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(z))
		}
	}
	return b
}

func writeNPY(t *testing.T, path string, d arrayfile.DType, shape []int64, data []byte) {
	t.Helper()
	w, err := arrayfile.Create(path, arrayfile.Info{Format: arrayfile.FormatNPY, DType: d, Shape: shape}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.WriteBlock(make([]int64, len(shape)), shape, data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestQuickstartInputs checks that the committed input files are exactly what
// this generator makes (or rewrites them with -update).
func TestQuickstartInputs(t *testing.T) {
	dir := "quickstart"
	want := map[string][]byte{
		"crs.xml":  []byte(crsXML),
		"epc.xml":  []byte(epcXML),
		"grid.xml": []byte(gridXML),
	}
	tmp := t.TempDir()
	writeNPY(t, filepath.Join(tmp, "zvalues.npy"), arrayfile.Float64, []int64{nI, nJ}, zvalues())
	npy, err := os.ReadFile(filepath.Join(tmp, "zvalues.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want["zvalues.npy"] = npy
	for name, b := range want {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./examples -update)", err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from what the generator makes (run go test ./examples -update)", path)
		}
	}
}

// TestExampleJobsValid parses every example job, so the examples stay in step
// with the job format.
func TestExampleJobsValid(t *testing.T) {
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example jobs found")
	}
	env := map[string]string{"ETP_TOKEN": "x", "ETP_URI": "wss://rddms.example.com/api/etp", "DATASPACE": "demo/nightly", "JOB_COMPLETION_INDEX": "0"}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			_, err := jobs.ParseFile(f, &jobs.ParseOptions{LookupEnv: func(k string) (string, bool) {
				v, ok := env[k]
				return v, ok
			}})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
