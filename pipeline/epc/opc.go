package epc

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strings"
)

// OPC names and namespaces (ECMA-376 part 2).
const (
	contentTypesName = "[Content_Types].xml"
	packageRelsName  = "_rels/.rels"
	corePartName     = "/docProps/core.xml"
	nsContentTypes   = "http://schemas.openxmlformats.org/package/2006/content-types"
	nsRelationships  = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsCoreProperties = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
	nsDC             = "http://purl.org/dc/elements/1.1/"
	nsDCTerms        = "http://purl.org/dc/terms/"
	nsXSI            = "http://www.w3.org/2001/XMLSchema-instance"
)

// decodeXML decodes a whole XML document into v: it strips a byte order
// mark, accepts the encodings charsetReader does, and checks that nothing
// but comments and white space follows the root element.
func decodeXML(r io.Reader, v any) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	dec := xml.NewDecoder(br)
	dec.Strict = true
	dec.CharsetReader = charsetReader
	if err := dec.Decode(v); err != nil {
		if err == io.EOF {
			return fmt.Errorf("not well-formed XML: no root element")
		}
		var ue xml.UnmarshalError
		if errors.As(err, &ue) {
			return fmt.Errorf("unexpected XML: %s", string(ue))
		}
		return xmlError(err)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("not well-formed XML: line %d: a second root element <%s>", line(dec), t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("not well-formed XML: line %d: text after the root element", line(dec))
			}
		}
	}
}

// contentTypes is a parsed [Content_Types].xml.
type contentTypes struct {
	defaults  map[string]string // lower-case extension -> content type
	overrides map[string]string // partKey -> content type
}

type xmlDefault struct {
	XMLName     xml.Name `xml:"Default"`
	Extension   string   `xml:"Extension,attr"`
	ContentType string   `xml:"ContentType,attr"`
}

type xmlOverride struct {
	XMLName     xml.Name `xml:"Override"`
	PartName    string   `xml:"PartName,attr"`
	ContentType string   `xml:"ContentType,attr"`
}

func parseContentTypes(r io.Reader) (*contentTypes, error) {
	var t struct {
		XMLName   xml.Name      `xml:"Types"`
		Defaults  []xmlDefault  `xml:"Default"`
		Overrides []xmlOverride `xml:"Override"`
	}
	if err := decodeXML(r, &t); err != nil {
		return nil, err
	}
	ct := &contentTypes{defaults: map[string]string{}, overrides: map[string]string{}}
	for _, d := range t.Defaults {
		ext := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d.Extension), "."))
		if ext == "" || strings.TrimSpace(d.ContentType) == "" {
			return nil, fmt.Errorf("a Default needs both Extension and ContentType (got Extension %q, ContentType %q)", short(d.Extension), short(d.ContentType))
		}
		if _, dup := ct.defaults[ext]; dup {
			return nil, fmt.Errorf("two Default entries for extension %q", ext)
		}
		ct.defaults[ext] = strings.TrimSpace(d.ContentType)
	}
	for _, o := range t.Overrides {
		name := strings.TrimSpace(o.PartName)
		if !strings.HasPrefix(name, "/") || strings.TrimSpace(o.ContentType) == "" {
			return nil, fmt.Errorf("an Override needs a PartName starting with \"/\" and a ContentType (got PartName %q, ContentType %q)", short(o.PartName), short(o.ContentType))
		}
		key := partKey(name)
		if _, dup := ct.overrides[key]; dup {
			return nil, fmt.Errorf("two Override entries for part %q", short(name))
		}
		ct.overrides[key] = strings.TrimSpace(o.ContentType)
	}
	return ct, nil
}

// lookup returns the content type of a part: its Override, else the Default
// for its extension.
func (ct *contentTypes) lookup(partName string) (string, bool) {
	if t, ok := ct.overrides[partKey(partName)]; ok {
		return t, true
	}
	base := path.Base(partName)
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		if t, ok := ct.defaults[strings.ToLower(base[i+1:])]; ok {
			return t, true
		}
	}
	return "", false
}

// partKey is the comparison key of a part name: OPC part names are
// compared after percent-decoding, ignoring ASCII case.
func partKey(name string) string {
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	return strings.ToLower(name)
}

// relsName returns the zip entry name of the relationship part of part
// (an OPC part name starting with "/"): /a/b.xml -> a/_rels/b.xml.rels.
func relsName(partName string) string {
	dir, base := path.Split(strings.TrimPrefix(partName, "/"))
	return dir + "_rels/" + base + ".rels"
}

type xmlRelationships struct {
	XMLName       xml.Name          `xml:"Relationships"`
	Relationships []xmlRelationship `xml:"Relationship"`
}

type xmlRelationship struct {
	ID         string `xml:"Id,attr"`
	Type       string `xml:"Type,attr"`
	Target     string `xml:"Target,attr"`
	TargetMode string `xml:"TargetMode,attr"`
}

// parseRels reads a relationship part whose source is sourcePart ("/" for
// the package).
func parseRels(r io.Reader, sourcePart string) ([]Relationship, error) {
	var x xmlRelationships
	if err := decodeXML(r, &x); err != nil {
		return nil, err
	}
	out := make([]Relationship, 0, len(x.Relationships))
	for i, xr := range x.Relationships {
		rel := Relationship{ID: xr.ID, Type: strings.TrimSpace(xr.Type), Target: strings.TrimSpace(xr.Target)}
		switch strings.TrimSpace(xr.TargetMode) {
		case "", "Internal":
		case "External":
			rel.External = true
		default:
			return nil, fmt.Errorf("relationship %d (Id %q): TargetMode %q is neither Internal nor External", i+1, short(xr.ID), short(xr.TargetMode))
		}
		if rel.Type == "" || rel.Target == "" {
			return nil, fmt.Errorf("relationship %d (Id %q) needs a Type and a Target", i+1, short(xr.ID))
		}
		if !rel.External {
			rel.TargetPart = resolvePart(sourcePart, rel.Target)
		}
		out = append(out, rel)
	}
	return out, nil
}

// resolvePart resolves an internal relationship target against its source
// part. The result starts with "/" and never leaves the package root.
func resolvePart(sourcePart, target string) string {
	t := target
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	if i := strings.IndexAny(t, "?#"); i >= 0 {
		t = t[:i]
	}
	if !strings.HasPrefix(t, "/") {
		t = path.Join(path.Dir(sourcePart), t)
	}
	return path.Clean("/" + t)
}

type xmlCore struct {
	XMLName        xml.Name `xml:"coreProperties"`
	Title          string   `xml:"title"`
	Creator        string   `xml:"creator"`
	Created        string   `xml:"created"`
	Modified       string   `xml:"modified"`
	Description    string   `xml:"description"`
	Identifier     string   `xml:"identifier"`
	Keywords       string   `xml:"keywords"`
	Version        string   `xml:"version"`
	LastModifiedBy string   `xml:"lastModifiedBy"`
}

func parseCore(r io.Reader) (CoreProperties, error) {
	var c xmlCore
	if err := decodeXML(r, &c); err != nil {
		return CoreProperties{}, err
	}
	t := strings.TrimSpace
	return CoreProperties{Title: t(c.Title), Creator: t(c.Creator), Created: t(c.Created), Modified: t(c.Modified),
		Description: t(c.Description), Identifier: t(c.Identifier), Keywords: t(c.Keywords), Version: t(c.Version),
		LastModifiedBy: t(c.LastModifiedBy)}, nil
}

// xmlWriter writes small XML documents; errors stick.
type xmlWriter struct {
	w   *bufio.Writer
	err error
}

func (x *xmlWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// text writes s escaped for element text or an attribute value.
func (x *xmlWriter) text(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

func (x *xmlWriter) attr(name, value string) {
	x.raw(" " + name + `="`)
	x.text(value)
	x.raw(`"`)
}

func (x *xmlWriter) flush() error {
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

func writeContentTypes(w io.Writer, overrides map[string]string) error {
	x := &xmlWriter{w: bufio.NewWriter(w)}
	x.raw(xmlHeader + `<Types xmlns="` + nsContentTypes + `">` + "\n")
	x.raw(`  <Default Extension="rels" ContentType="` + ContentTypeRelationships + `"/>` + "\n")
	x.raw(`  <Default Extension="xml" ContentType="application/xml"/>` + "\n")
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		x.raw("  <Override")
		x.attr("PartName", n)
		x.attr("ContentType", overrides[n])
		x.raw("/>\n")
	}
	x.raw("</Types>\n")
	return x.flush()
}

func writeRels(w io.Writer, rels []Relationship) error {
	x := &xmlWriter{w: bufio.NewWriter(w)}
	x.raw(xmlHeader + `<Relationships xmlns="` + nsRelationships + `">` + "\n")
	for _, r := range rels {
		x.raw("  <Relationship")
		x.attr("Id", r.ID)
		x.attr("Type", r.Type)
		x.attr("Target", r.Target)
		if r.External {
			x.attr("TargetMode", "External")
		}
		x.raw("/>\n")
	}
	x.raw("</Relationships>\n")
	return x.flush()
}

func writeCore(w io.Writer, c CoreProperties) error {
	x := &xmlWriter{w: bufio.NewWriter(w)}
	x.raw(xmlHeader + `<cp:coreProperties xmlns:cp="` + nsCoreProperties + `" xmlns:dc="` + nsDC +
		`" xmlns:dcterms="` + nsDCTerms + `" xmlns:xsi="` + nsXSI + `">` + "\n")
	elem := func(name, value, attrs string) {
		if value == "" {
			return
		}
		x.raw("  <" + name + attrs + ">")
		x.text(value)
		x.raw("</" + name + ">\n")
	}
	elem("dc:title", c.Title, "")
	elem("dc:creator", c.Creator, "")
	elem("dcterms:created", c.Created, ` xsi:type="dcterms:W3CDTF"`)
	elem("dcterms:modified", c.Modified, ` xsi:type="dcterms:W3CDTF"`)
	elem("dc:description", c.Description, "")
	elem("dc:identifier", c.Identifier, "")
	elem("cp:keywords", c.Keywords, "")
	elem("cp:version", c.Version, "")
	elem("cp:lastModifiedBy", c.LastModifiedBy, "")
	x.raw("</cp:coreProperties>\n")
	return x.flush()
}
