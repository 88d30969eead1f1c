package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/etp-transfer/etp-transfer/etp"
)

// maxXMLDepth bounds element nesting in data objects; deeper documents are
// refused (RESQML and WITSML objects nest a few dozen levels at most).
const maxXMLDepth = 256

// objectXML is what the store reads from a data object's XML.
type objectXML struct {
	rootLocal string // local name of the root element ("Grid2dRepresentation")
	xsiType   string // local part of the root's xsi:type ("obj_Grid2dRepresentation"), if any
	uuid      string // the root's uuid attribute
	title     string // text of root/Citation/Title
	refs      []objectRef
}

// objectRef is a reference to another data object found in the XML: an
// element holding a UUID (EML 2.0 "UUID", EML 2.3 "Uuid") and a ContentType
// (EML 2.0) or QualifiedType (EML 2.3).
type objectRef struct {
	qualifiedType string
	uuid          string
}

// xmlFrame collects the children of one open element that make a
// reference.
type xmlFrame struct {
	local       string
	uuid        string
	contentType string
	qualified   string
	text        *strings.Builder // of the element itself, when it is one of interest
}

// parseObjectXML checks that data is one well-formed XML document and reads
// its root, uuid, title and (when refs is true) references to other
// objects. Errors describe what is wrong for EINVALID_OBJECT.
func parseObjectXML(data []byte, refs bool) (objectXML, error) {
	var out objectXML
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []xmlFrame
	rootDone := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("XML is not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return out, errors.New("XML has more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return out, fmt.Errorf("XML nests deeper than %d elements", maxXMLDepth)
			}
			f := xmlFrame{local: t.Name.Local}
			if len(stack) == 0 {
				out.rootLocal = t.Name.Local
				for _, a := range t.Attr {
					switch {
					case a.Name.Local == "uuid" && (a.Name.Space == "" || out.uuid == ""):
						out.uuid = strings.TrimSpace(a.Value)
					case a.Name.Local == "type" && (a.Name.Space == xsiNamespace || a.Name.Space == "xsi"):
						v := a.Value
						if i := strings.LastIndexByte(v, ':'); i >= 0 {
							v = v[i+1:]
						}
						out.xsiType = v
					}
				}
			} else if interesting(stack, t.Name.Local, refs) {
				f.text = &strings.Builder{}
			}
			stack = append(stack, f)
		case xml.EndElement:
			if len(stack) == 0 {
				return out, errors.New("XML is not well-formed: unexpected end element")
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				rootDone = true
				continue
			}
			parent := &stack[len(stack)-1]
			if f.text != nil {
				v := strings.TrimSpace(f.text.String())
				switch {
				case strings.EqualFold(f.local, "Title") && len(stack) == 2 && strings.EqualFold(parent.local, "Citation") && out.title == "":
					out.title = v
				case strings.EqualFold(f.local, "UUID"):
					parent.uuid = v
				case f.local == "ContentType":
					parent.contentType = v
				case f.local == "QualifiedType":
					parent.qualified = v
				}
			}
			if refs && f.uuid != "" && len(stack) >= 1 {
				if qt := refType(f.contentType, f.qualified); qt != "" {
					out.refs = append(out.refs, objectRef{qualifiedType: qt, uuid: strings.ToLower(f.uuid)})
				}
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return out, errors.New("XML has text outside the root element")
				}
				continue
			}
			if f := &stack[len(stack)-1]; f.text != nil && f.text.Len() < 4096 {
				f.text.Write(t)
			}
		}
	}
	if !rootDone {
		if len(stack) > 0 {
			return out, fmt.Errorf("XML is not well-formed: element <%s> is not closed", stack[len(stack)-1].local)
		}
		return out, errors.New("XML has no root element")
	}
	return out, nil
}

// xsiNamespace is the XML Schema instance namespace of xsi:type.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// interesting reports whether the text of an element named local, child of
// the top of stack, is needed.
func interesting(stack []xmlFrame, local string, refs bool) bool {
	if strings.EqualFold(local, "Title") && len(stack) == 2 && strings.EqualFold(stack[1].local, "Citation") {
		return true
	}
	return refs && (strings.EqualFold(local, "UUID") || local == "ContentType" || local == "QualifiedType")
}

// refType returns the qualified type of a reference from its EML 2.0
// ContentType ("application/x-resqml+xml;version=2.0;type=obj_LocalDepth3dCrs")
// or EML 2.3 QualifiedType ("resqml22.LocalEngineeringCompoundCrs"), or ""
// when neither is usable.
func refType(contentType, qualified string) string {
	if qualified != "" {
		if checkTypePattern(qualified) == nil && !strings.Contains(qualified, "*") {
			return qualified
		}
		return ""
	}
	if contentType == "" {
		return ""
	}
	parts := strings.Split(contentType, ";")
	media := strings.TrimSpace(parts[0])
	domain, ok := strings.CutPrefix(media, "application/x-")
	if !ok {
		return ""
	}
	domain, _, _ = strings.Cut(domain, "+")
	var version, typ string
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(k) {
		case "version":
			version = v
		case "type":
			typ = v
		}
	}
	vv := strings.ReplaceAll(version, ".", "")
	if len(vv) < 2 || typ == "" {
		return ""
	}
	if i := strings.IndexByte(typ, '.'); i >= 0 {
		typ = typ[i+1:]
	}
	qt := strings.ToLower(domain) + vv[:2] + "." + typ
	if checkTypePattern(qt) != nil {
		return ""
	}
	return qt
}

// checkObject validates the XML of a data object against its URI: it must be
// well-formed, and its root's uuid and type must be those of the URI
// (BRIEF 6.2). It returns the parsed facts, or an EINVALID_OBJECT error.
func checkObject(u etp.URI, data []byte) (objectXML, *etp.ErrorInfo) {
	x, err := parseObjectXML(data, false)
	if err != nil {
		return x, errInfo(etp.EInvalidObject, "%s: %v", u, err)
	}
	if x.uuid == "" {
		return x, errInfo(etp.EInvalidObject, "%s: the root element <%s> has no uuid attribute", u, x.rootLocal)
	}
	if !strings.EqualFold(x.uuid, u.UUID) {
		return x, errInfo(etp.EInvalidObject, "%s: the XML's uuid %q is not the URI's %q", u, x.uuid, u.UUID)
	}
	_, objType, _ := strings.Cut(u.QualifiedType, ".")
	bare := strings.TrimPrefix(objType, "obj_")
	if !strings.EqualFold(x.xsiType, objType) && !strings.EqualFold(x.rootLocal, objType) &&
		!strings.EqualFold(x.rootLocal, bare) {
		got := x.rootLocal
		if x.xsiType != "" {
			got += " (xsi:type " + x.xsiType + ")"
		}
		return x, errInfo(etp.EInvalidObject, "%s: the XML's root element %s is not of the URI's type %s", u, got, u.QualifiedType)
	}
	return x, nil
}
