package pipeline

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// objectInfo is what a data object's XML says about itself.
type objectInfo struct {
	// QualifiedType is e.g. resqml20.obj_Grid2dRepresentation or eml23.Crs.
	QualifiedType string
	UUID          string
	Title         string
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// energisticsDomains maps the namespace of an Energistics ML to its domain
// in qualified types (BRIEF 6.6).
var energisticsDomains = map[string]string{
	"http://www.energistics.org/energyml/data/resqmlv2":  "resqml",
	"http://www.energistics.org/energyml/data/commonv2":  "eml",
	"http://www.energistics.org/energyml/data/witsmlv2":  "witsml",
	"http://www.energistics.org/energyml/data/prodmlv2":  "prodml",
	"http://www.witsml.org/schemas/1series":              "witsml",
	"http://www.energistics.org/energyml/data/commonv23": "eml",
}

// parseObjectXML reads the root element of a RESQML/EML/WITSML/PRODML data
// object: its qualified type (domain from the namespace, version from
// schemaVersion, type from xsi:type or the element name; 2.0 types keep their
// obj_ prefix), its uuid attribute and its Citation/Title. Errors say what
// is missing; the caller adds the file name.
func parseObjectXML(data []byte) (objectInfo, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var info objectInfo
	depth := 0
	inCitation, inTitle := false, false
	var title strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return info, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if err := info.fromRoot(t); err != nil {
					return info, err
				}
			}
			if depth == 2 && t.Name.Local == "Citation" {
				inCitation = true
			}
			if depth == 3 && inCitation && t.Name.Local == "Title" {
				inTitle = true
			}
		case xml.EndElement:
			if depth == 3 && inTitle {
				inTitle = false
				info.Title = strings.TrimSpace(title.String())
			}
			if depth == 2 {
				inCitation = false
			}
			depth--
		case xml.CharData:
			if inTitle {
				title.Write(t)
			}
		}
	}
	if info.QualifiedType == "" {
		return info, errors.New("no root element")
	}
	return info, nil
}

func (info *objectInfo) fromRoot(t xml.StartElement) error {
	var schemaVersion, xsiType, uuid string
	for _, a := range t.Attr {
		switch {
		case a.Name.Local == "schemaVersion":
			schemaVersion = a.Value
		case a.Name.Local == "type" && a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance":
			xsiType = a.Value
		case a.Name.Local == "uuid" && a.Name.Space == "":
			uuid = a.Value
		}
	}
	domain, ok := energisticsDomains[t.Name.Space]
	if !ok {
		return fmt.Errorf("root element <%s> is not in an Energistics namespace (got %q)", t.Name.Local, t.Name.Space)
	}
	v := strings.ReplaceAll(schemaVersion, ".", "")
	if len(v) < 2 || v[0] < '1' || v[0] > '9' || v[1] < '0' || v[1] > '9' {
		return fmt.Errorf("root element <%s>: schemaVersion %q does not give a version like 2.0 or 2.2", t.Name.Local, schemaVersion)
	}
	version := v[:2]
	typ := t.Name.Local
	if i := strings.IndexByte(xsiType, ':'); i >= 0 {
		xsiType = xsiType[i+1:]
	}
	if xsiType != "" {
		typ = xsiType
	}
	if version == "20" && !strings.HasPrefix(typ, "obj_") {
		typ = "obj_" + typ
	}
	if uuid == "" {
		return fmt.Errorf("root element <%s> has no uuid attribute", t.Name.Local)
	}
	if !uuidPattern.MatchString(uuid) {
		return fmt.Errorf("root element <%s>: uuid %q is not a UUID", t.Name.Local, uuid)
	}
	info.QualifiedType = domain + version + "." + typ
	info.UUID = strings.ToLower(uuid)
	return nil
}

// arrayRefs returns the arrays a RESQML object refers to: each element
// holding an eml:PathInHdfFile (2.0.1) or PathInExternalFile (2.2) together
// with the uuid of its sibling HdfProxy (the EpcExternalPartReference owning
// the array), in document order.
func arrayRefs(data []byte) ([]arrayRef, error) {
	type frame struct{ name, path, proxy string }
	dec := xml.NewDecoder(bytes.NewReader(data))
	var refs []arrayRef
	var stack []frame
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return refs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, frame{name: t.Name.Local})
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n := len(stack)
			if n == 0 {
				continue
			}
			top := stack[n-1]
			value := strings.TrimSpace(text.String())
			switch {
			case (top.name == "PathInHdfFile" || top.name == "PathInExternalFile") && n >= 2:
				stack[n-2].path = value
			case top.name == "UUID" && n >= 3 && (stack[n-2].name == "HdfProxy" || stack[n-2].name == "EpcExternalPartReference"):
				stack[n-3].proxy = strings.ToLower(value)
			}
			if top.path != "" {
				refs = append(refs, arrayRef{Proxy: top.proxy, Path: top.path})
			}
			stack = stack[:n-1]
			text.Reset()
		}
	}
}

// arrayRef is one array an object refers to.
type arrayRef struct {
	// Proxy is the uuid of the EpcExternalPartReference holding the array.
	Proxy string
	// Path is the path in resource.
	Path string
}
