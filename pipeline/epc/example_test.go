package epc_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/etp-transfer/etp-transfer/pipeline/epc"
)

const (
	exampleProxy = `<eml:EpcExternalPartReference xmlns:eml="http://www.energistics.org/energyml/data/commonv2" schemaVersion="2.0" uuid="d53c9c04-e83a-4ad7-87fc-567a0dd5e660">
  <eml:Citation><eml:Title>Arrays</eml:Title></eml:Citation>
  <eml:MimeType>application/x-hdf5</eml:MimeType>
</eml:EpcExternalPartReference>`
	exampleGrid = `<resqml2:Grid2dRepresentation xmlns:resqml2="http://www.energistics.org/energyml/data/resqmlv2" xmlns:eml="http://www.energistics.org/energyml/data/commonv2" schemaVersion="2.0.1" uuid="be3dc02d-ed9d-45b1-b291-6edced323411">
  <eml:Citation><eml:Title>Depth map</eml:Title></eml:Citation>
  <resqml2:Grid2dPatch><resqml2:Geometry><resqml2:Points><resqml2:ZValues><resqml2:Values>
    <eml:PathInHdfFile>/RESQML/be3dc02d-ed9d-45b1-b291-6edced323411/zvalues</eml:PathInHdfFile>
    <eml:HdfProxy>
      <eml:ContentType>application/x-eml+xml;version=2.0;type=obj_EpcExternalPartReference</eml:ContentType>
      <eml:Title>Arrays</eml:Title>
      <eml:UUID>d53c9c04-e83a-4ad7-87fc-567a0dd5e660</eml:UUID>
    </eml:HdfProxy>
  </resqml2:Values></resqml2:ZValues></resqml2:Points></resqml2:Geometry></resqml2:Grid2dPatch>
</resqml2:Grid2dRepresentation>`
)

// Write a package of two objects, then read it back: the grid's array lives
// in the HDF5 file the EpcExternalPartReference names.
func Example() {
	dir, err := os.MkdirTemp("", "epc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "model.epc")

	w, err := epc.Create(name, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, x := range []string{exampleProxy, exampleGrid} {
		if _, err := w.Add([]byte(x)); err != nil {
			w.Abort()
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil { // the HDF5 file defaults to model.h5
		log.Fatal(err)
	}

	p, err := epc.Open(context.Background(), name, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	for _, o := range p.Objects() {
		fmt.Println(o.Key(), o.PartName)
		for _, a := range o.Arrays {
			file, err := p.ArrayFile(a)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("  array", a.Path, "in", filepath.Base(file))
		}
	}
	// Output:
	// eml20.obj_EpcExternalPartReference(d53c9c04-e83a-4ad7-87fc-567a0dd5e660) /obj_EpcExternalPartReference_d53c9c04-e83a-4ad7-87fc-567a0dd5e660.xml
	// resqml20.obj_Grid2dRepresentation(be3dc02d-ed9d-45b1-b291-6edced323411) /obj_Grid2dRepresentation_be3dc02d-ed9d-45b1-b291-6edced323411.xml
	//   array /RESQML/be3dc02d-ed9d-45b1-b291-6edced323411/zvalues in model.h5
}
