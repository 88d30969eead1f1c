package epc

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

const (
	// maxDepth bounds XML nesting; RESQML objects nest a few dozen levels.
	maxDepth = 1000
	// maxText bounds the text of one captured element (uuid, title, path, ...).
	maxText = 64 << 10
	// energisticsNS starts the namespace of every Energistics ML.
	energisticsNS = "http://www.energistics.org/energyml/data/"
	xsiNS         = "http://www.w3.org/2001/XMLSchema-instance"
)

// errNotEnergistics is returned by scanXML in sniff mode when the root
// element is not in an Energistics namespace.
var errNotEnergistics = errors.New("not an Energistics data object")

// scanResult is what one data object's XML says about itself.
type scanResult struct {
	rootLocal     string
	rootSpace     string
	domain        string // resqml, eml, witsml, prodml; "" outside Energistics namespaces
	uuid          string // as written
	hasUUID       bool
	schemaVersion string
	objectVersion string
	xsiType       string // local part of xsi:type
	title         string
	hasTitle      bool
	arrays        []ArrayRef
	refs          []Reference
}

// qualifiedType derives the qualified type from the XML alone: domain from
// the root's namespace, version from schemaVersion, type from xsi:type or
// the root element's name (RESQML 2.0.1 and EML 2.0 types with "obj_").
func (s *scanResult) qualifiedType() (string, error) {
	if s.domain == "" {
		return "", fmt.Errorf("root element <%s> is not in an Energistics namespace (%s...), got %q", s.rootLocal, energisticsNS, s.rootSpace)
	}
	if s.schemaVersion == "" {
		return "", fmt.Errorf("root element <%s> has no schemaVersion attribute: the object's version is unknown", s.rootLocal)
	}
	v, err := shortVersion(s.schemaVersion)
	if err != nil {
		return "", fmt.Errorf("root element <%s>: schemaVersion: %w", s.rootLocal, err)
	}
	typ := s.rootLocal
	if s.xsiType != "" {
		typ = s.xsiType
	}
	if v == "20" && (s.domain == "resqml" || s.domain == "eml") && !strings.HasPrefix(typ, "obj_") {
		typ = "obj_" + typ
	}
	if !isWord(typ) {
		return "", fmt.Errorf("root element <%s>: %q is not a type name", s.rootLocal, typ)
	}
	return s.domain + v + "." + typ, nil
}

// checkUUID returns the root's uuid in lower case, or an error when it is
// missing or malformed.
func (s *scanResult) checkUUID() (string, error) {
	if !s.hasUUID {
		return "", fmt.Errorf("root element <%s> has no uuid attribute", s.rootLocal)
	}
	if !isUUID(s.uuid) {
		return "", fmt.Errorf("root element <%s>: uuid %q is not a UUID (8-4-4-4-12 hex digits)", s.rootLocal, short(s.uuid))
	}
	return strings.ToLower(s.uuid), nil
}

// domainOf maps an Energistics namespace to its domain: .../resqmlv2 to
// resqml, .../commonv2 (and commonv23) to eml, .../witsmlv2 to witsml.
func domainOf(ns string) string {
	seg, ok := strings.CutPrefix(ns, energisticsNS)
	if !ok {
		return ""
	}
	seg = strings.TrimSuffix(seg, "/")
	i := len(seg)
	for i > 0 && seg[i-1] >= '0' && seg[i-1] <= '9' {
		i--
	}
	if i == len(seg) || i == 0 || seg[i-1] != 'v' {
		return ""
	}
	d := seg[:i-1]
	if d == "common" {
		d = "eml"
	}
	if !isDomain(d) {
		return ""
	}
	return d
}

// leafNames are the elements whose text is captured.
var leafNames = map[string]bool{
	"UUID": true, "Uuid": true, "ContentType": true, "QualifiedType": true, "Title": true,
	"VersionString": true, "ObjectVersion": true, "PathInHdfFile": true, "PathInExternalFile": true, "URI": true,
}

// kids holds the captured texts of an element's children.
type kids struct {
	uuid, ctype, qtype, title, version, pathHdf, pathExt, uri, proxy string
	hasUUID, hasTitle, hasHdf, hasExt                                bool
}

type frame struct {
	local   string
	capture bool
	text    []byte
	k       kids
}

// scanXML reads one XML document (a data object) and collects its root
// attributes, title, arrays and references. It checks well-formedness,
// including that there is exactly one root element. With sniff, it stops
// with errNotEnergistics right after a root element outside the Energistics
// namespaces. Errors do not name the part; the caller adds it.
func scanXML(r io.Reader, sniff bool) (*scanResult, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3) // a UTF-8 byte order mark, as .NET tools write
	}
	dec := xml.NewDecoder(br)
	dec.Strict = true
	dec.CharsetReader = charsetReader
	res := &scanResult{}
	var stack []*frame
	rootSeen, rootDone := false, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return nil, fmt.Errorf("not well-formed XML: line %d: a second root element <%s> after the first one ended", line(dec), t.Name.Local)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("XML nests deeper than %d elements (line %d)", maxDepth, line(dec))
			}
			if !rootSeen {
				rootSeen = true
				res.root(t)
				if sniff && res.domain == "" {
					return res, errNotEnergistics
				}
			}
			stack = append(stack, &frame{local: t.Name.Local, capture: leafNames[t.Name.Local]})
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("not well-formed XML: line %d: text outside the root element", line(dec))
				}
				continue
			}
			f := stack[len(stack)-1]
			if f.capture {
				if len(f.text)+len(t) > maxText {
					return nil, fmt.Errorf("line %d: element <%s> holds more than %d bytes of text", line(dec), f.local, maxText)
				}
				f.text = append(f.text, t...)
			}
		case xml.EndElement:
			n := len(stack)
			res.end(stack)
			stack = stack[:n-1]
			if n == 1 {
				rootDone = true
			}
		}
	}
	if !rootSeen {
		return nil, errors.New("not well-formed XML: no root element")
	}
	return res, nil
}

// root records the root element's name and attributes.
func (s *scanResult) root(t xml.StartElement) {
	s.rootLocal, s.rootSpace = t.Name.Local, t.Name.Space
	s.domain = domainOf(t.Name.Space)
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "uuid":
			s.uuid, s.hasUUID = strings.TrimSpace(a.Value), true
		case a.Name.Space == "" && a.Name.Local == "schemaVersion":
			s.schemaVersion = strings.TrimSpace(a.Value)
		case a.Name.Space == "" && a.Name.Local == "objectVersion":
			s.objectVersion = a.Value
		case (a.Name.Space == xsiNS || a.Name.Space == "xsi") && a.Name.Local == "type":
			v := strings.TrimSpace(a.Value)
			if i := strings.LastIndexByte(v, ':'); i >= 0 {
				v = v[i+1:]
			}
			s.xsiType = v
		}
	}
}

// end handles the end of the element on top of stack.
func (s *scanResult) end(stack []*frame) {
	n := len(stack)
	f := stack[n-1]
	var p *frame
	if n >= 2 {
		p = stack[n-2]
	}
	if p != nil && f.capture {
		text := strings.TrimSpace(string(f.text))
		switch f.local {
		case "UUID", "Uuid":
			p.k.uuid, p.k.hasUUID = text, true
		case "ContentType":
			p.k.ctype = text
		case "QualifiedType":
			p.k.qtype = text
		case "Title":
			if !p.k.hasTitle {
				p.k.title, p.k.hasTitle = text, true
			}
		case "VersionString", "ObjectVersion":
			p.k.version = text
		case "PathInHdfFile":
			p.k.pathHdf, p.k.hasHdf = text, true
		case "PathInExternalFile":
			p.k.pathExt, p.k.hasExt = text, true
		case "URI":
			p.k.uri = text
		}
	}
	k := &f.k
	if k.hasUUID && (k.ctype != "" || k.qtype != "") {
		ref := Reference{UUID: strings.ToLower(k.uuid), ContentType: k.ctype, QualifiedType: k.qtype, Title: k.title, Version: k.version, Where: where(stack)}
		if ref.QualifiedType == "" {
			if qt, err := QualifiedType(k.ctype); err == nil {
				ref.QualifiedType = qt
			}
		}
		s.refs = append(s.refs, ref)
		if p != nil && (f.local == "HdfProxy" || f.local == "EpcExternalPartReference") {
			p.k.proxy = ref.UUID
		}
	}
	if k.hasHdf {
		s.arrays = append(s.arrays, ArrayRef{Path: k.pathHdf, ProxyUUID: k.proxy, Where: where(stack)})
	}
	if k.hasExt {
		a := ArrayRef{Path: k.pathExt, URI: k.uri, ProxyUUID: k.proxy, Where: where(stack)}
		if a.ProxyUUID == "" {
			a.ProxyUUID = proxyFromURI(k.uri)
		}
		s.arrays = append(s.arrays, a)
	}
	if n == 2 && f.local == "Citation" && k.hasTitle && !s.hasTitle {
		s.title, s.hasTitle = k.title, true
	}
}

// where joins the element names below the root, for messages.
func where(stack []*frame) string {
	if len(stack) <= 1 {
		return stack[0].local
	}
	var b strings.Builder
	for i, f := range stack[1:] {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(f.local)
	}
	return b.String()
}

// proxyFromURI returns the uuid an ExternalDataArrayPart URI names: the URI
// itself when it is a uuid, or the uuid of an ETP data object URI
// (eml:///...(uuid) or ...(uuid=<uuid>,version='v')). Otherwise "": the URI
// names a file.
func proxyFromURI(uri string) string {
	if isUUID(uri) {
		return strings.ToLower(uri)
	}
	if !strings.HasPrefix(uri, "eml:///") || !strings.HasSuffix(uri, ")") {
		return ""
	}
	open := strings.LastIndexByte(uri, '(')
	if open < 0 {
		return ""
	}
	inner := uri[open+1 : len(uri)-1]
	if id, ok := strings.CutPrefix(inner, "uuid="); ok {
		inner, _, _ = strings.Cut(id, ",")
	}
	if isUUID(inner) {
		return strings.ToLower(inner)
	}
	return ""
}

func line(dec *xml.Decoder) int {
	l, _ := dec.InputPos()
	return l
}

// xmlError phrases a decoder error.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not well-formed XML: line %d: %s", se.Line, se.Msg)
	}
	var re *readError
	if errors.As(err, &re) {
		return re
	}
	var ee *encodingError
	if errors.As(err, &ee) {
		return ee
	}
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("not well-formed XML: %w", err)
}

// charsetReader accepts the single-byte encodings some tools declare besides
// UTF-8: US-ASCII and ISO-8859-1 (Latin-1).
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, &encodingError{charset}
}

// encodingError is an XML encoding declaration charsetReader cannot read.
type encodingError struct{ charset string }

func (e *encodingError) Error() string {
	return fmt.Sprintf("unsupported XML encoding %q (UTF-8, US-ASCII and ISO-8859-1 are read)", short(e.charset))
}

// readError is a failure to read a part's bytes (a damaged zip entry), as
// opposed to a problem with what they say.
type readError struct{ err error }

func (e *readError) Error() string { return "cannot read the zip entry: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// latin1Reader converts ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		var buf [2]byte
		utf8.EncodeRune(buf[:], rune(b))
		l.pending = append(l.pending[:0], buf[:]...)
	}
	return n, nil
}

// short shortens s for a message.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
