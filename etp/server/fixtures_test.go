package server

import (
	"fmt"
	"math"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
)

// objectXMLText returns a small RESQML 2.0.1-style data object of type
// typ ("obj_Grid2dRepresentation") with the given uuid and title; refs are
// (qualified type, uuid) pairs written as DataObjectReferences; pad adds
// that many bytes of filler to make the object large.
func objectXMLText(typ, uuid, title string, pad int, refs ...[2]string) []byte {
	domain := "resqml2"
	ns := "http://www.energistics.org/energyml/data/resqmlv2"
	if strings.HasPrefix(typ, "eml:") {
		typ = strings.TrimPrefix(typ, "eml:")
		domain = "eml"
		ns = "http://www.energistics.org/energyml/data/commonv2"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<%[1]s:%[2]s xmlns:eml="http://www.energistics.org/energyml/data/commonv2" xmlns:%[1]s="%[3]s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" uuid="%[4]s" xsi:type="%[1]s:obj_%[2]s">
  <eml:Citation>
    <eml:Title>%[5]s</eml:Title>
    <eml:Originator>test</eml:Originator>
  </eml:Citation>
`, domain, strings.TrimPrefix(typ, "obj_"), ns, uuid, title)
	for _, r := range refs {
		dom, t, _ := strings.Cut(r[0], ".")
		fmt.Fprintf(&b, `  <resqml2:Ref>
    <eml:ContentType>application/x-%s+xml;version=%s.%s;type=%s</eml:ContentType>
    <eml:Title>ref</eml:Title>
    <eml:UUID>%s</eml:UUID>
  </resqml2:Ref>
`, dom[:len(dom)-2], dom[len(dom)-2:len(dom)-1], dom[len(dom)-1:], t, r[1])
	}
	if pad > 0 {
		b.WriteString("  <resqml2:Filler>")
		b.WriteString(strings.Repeat("x", pad))
		b.WriteString("</resqml2:Filler>\n")
	}
	fmt.Fprintf(&b, "</%s:%s>\n", domain, strings.TrimPrefix(typ, "obj_"))
	return []byte(b.String())
}

// testObject is a data object ready for PutDataObjects.
type testObject struct {
	uri  string
	typ  string
	uuid etp.UUID
	xml  []byte
}

func newTestObject(dataspace, qualifiedType, title string, pad int, refs ...[2]string) testObject {
	id := etp.NewUUID()
	_, typ, _ := strings.Cut(qualifiedType, ".")
	if strings.HasPrefix(qualifiedType, "eml") {
		typ = "eml:" + typ
	}
	return testObject{uri: etp.ObjectURI(dataspace, qualifiedType, id), typ: qualifiedType, uuid: id,
		xml: objectXMLText(typ, id.String(), title, pad, refs...)}
}

func (o testObject) dataObject() etp.DataObject {
	return etp.DataObject{Resource: etp.Resource{URI: o.uri, Name: "ignored"}, Format: "xml", Data: o.xml}
}

func nan() float64 { return math.NaN() }
