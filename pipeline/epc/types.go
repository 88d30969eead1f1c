package epc

import (
	"errors"
	"fmt"
	"mime"
	"strings"
)

// Relationship types of OPC and of the EPC specification (Energistics
// Packaging Conventions v1.0, section 6 and 7).
const (
	// RelCoreProperties links the package to its core properties part.
	RelCoreProperties = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
	// RelDestinationObject goes from a data object to an object it refers to.
	RelDestinationObject = "http://schemas.energistics.org/package/2012/relationships/destinationObject"
	// RelSourceObject goes from a referred object back to the object referring to it.
	RelSourceObject = "http://schemas.energistics.org/package/2012/relationships/sourceObject"
	// RelMLToExternalPartProxy goes from a data object to the
	// EpcExternalPartReference holding its arrays.
	RelMLToExternalPartProxy = "http://schemas.energistics.org/package/2012/relationships/mlToExternalPartProxy"
	// RelExternalPartProxyToML goes from an EpcExternalPartReference back to a
	// data object whose arrays it holds.
	RelExternalPartProxyToML = "http://schemas.energistics.org/package/2012/relationships/externalPartProxyToMl"
	// RelExternalResource goes from an EpcExternalPartReference to its file
	// (usually HDF5), with TargetMode="External".
	RelExternalResource = "http://schemas.energistics.org/package/2012/relationships/externalResource"
)

// Content types of the OPC parts this package writes.
const (
	// ContentTypeRelationships is the content type of relationship parts.
	ContentTypeRelationships = "application/vnd.openxmlformats-package.relationships+xml"
	// ContentTypeCoreProperties is the content type of docProps/core.xml.
	ContentTypeCoreProperties = "application/vnd.openxmlformats-package.core-properties+xml"
)

// Object describes one data object part of a package.
type Object struct {
	// PartName is the OPC part name, starting with "/", e.g.
	// "/obj_Grid2dRepresentation_be3dc02d-ed9d-45b1-b291-6edced323411.xml".
	PartName string
	// ContentType is the part's content type, e.g.
	// "application/x-resqml+xml;version=2.0;type=obj_Grid2dRepresentation".
	// When [Content_Types].xml gave only a generic XML type, it is derived
	// from the XML.
	ContentType string
	// QualifiedType is the ETP 1.2 qualified type, e.g.
	// resqml20.obj_Grid2dRepresentation or resqml22.Grid2dRepresentation.
	QualifiedType string
	// UUID is the root element's uuid attribute, in lower case.
	UUID string
	// Title is the text of the root's Citation/Title; empty when absent.
	Title string
	// Version is the root's objectVersion attribute; empty when absent.
	Version string
	// SchemaVersion is the root's schemaVersion attribute, e.g. 2.0.1.
	SchemaVersion string
	// Size is the size of the part's XML in bytes.
	Size int64
	// Arrays lists the arrays the XML points at, in document order.
	Arrays []ArrayRef
	// References lists the data object references in the XML, in document
	// order, including those to EpcExternalPartReference objects.
	References []Reference
	// Relationships are those of the part's relationship part
	// (_rels/<part>.rels) as read by Open; nil for objects of a Writer.
	Relationships []Relationship
}

// IsExternalPartReference reports whether o is an EpcExternalPartReference
// (eml20.obj_EpcExternalPartReference or eml23.EpcExternalPartReference): the
// object that stands for an HDF5 file.
func (o Object) IsExternalPartReference() bool {
	return isProxyType(o.QualifiedType)
}

// Key returns the object's qualified type and uuid as in an ETP URI without
// dataspace, e.g. "resqml20.obj_Grid2dRepresentation(<uuid>)". Objects sort
// by this key.
func (o Object) Key() string {
	return o.QualifiedType + "(" + o.UUID + ")"
}

// ArrayRef is one array an object's XML points at.
type ArrayRef struct {
	// Path is the dataset path in the external file: the text of
	// eml:PathInHdfFile (RESQML 2.0.1) or PathInExternalFile (EML 2.3).
	Path string
	// ProxyUUID is the uuid, in lower case, of the EpcExternalPartReference
	// holding the array: the sibling eml:HdfProxy for 2.0.1; for 2.3 the
	// sibling EpcExternalPartReference reference, or the URI when it is a
	// uuid or an ETP data object URI. Empty when the XML names none.
	ProxyUUID string
	// URI is the text of the ExternalDataArrayPart's URI element (EML 2.3),
	// as written; empty for 2.0.1.
	URI string
	// File is, when URI names a file rather than a proxy, that file resolved
	// against the .epc file's directory (an absolute path); otherwise empty.
	File string
	// Where is the element path of the array inside the object, e.g.
	// "Grid2dPatch/Geometry/Points/ZValues/Values", for messages.
	Where string
}

// Reference is one data object reference (DataObjectReference) in an
// object's XML: an element with a UUID (or Uuid) child and a ContentType or
// QualifiedType child.
type Reference struct {
	// UUID is the referenced object's uuid in lower case.
	UUID string
	// ContentType is the ContentType child as written (EML 2.0); empty when absent.
	ContentType string
	// QualifiedType is the QualifiedType child (EML 2.3), or the qualified type
	// derived from ContentType; empty when neither gives one.
	QualifiedType string
	// Title is the Title child; empty when absent.
	Title string
	// Version is the VersionString (EML 2.0) or ObjectVersion (EML 2.3) child.
	Version string
	// Where is the element path of the reference inside the object, e.g.
	// "Grid2dPatch/Geometry/LocalCrs".
	Where string
}

// Relationship is one entry of an OPC relationship part.
type Relationship struct {
	// ID is the relationship's Id attribute.
	ID string
	// Type is the relationship type, e.g. RelDestinationObject.
	Type string
	// Target is the Target attribute as written (a URI reference).
	Target string
	// External is true for TargetMode="External".
	External bool
	// TargetPart is, for an internal relationship, the target's part name
	// resolved against the source part (starting with "/"); empty for
	// external ones.
	TargetPart string
}

// ExternalPart is an EpcExternalPartReference of a package and the file its
// externalResource relationship names.
type ExternalPart struct {
	// ProxyUUID is the EpcExternalPartReference's uuid in lower case.
	ProxyUUID string
	// PartName is the EpcExternalPartReference's part name.
	PartName string
	// Target is the relationship's Target as written; empty when the proxy has
	// no externalResource relationship.
	Target string
	// Path is the file, resolved against the .epc file's directory: an
	// absolute path. Empty when Target is empty or is not a file (an http
	// URL, say).
	Path string
}

// CoreProperties are the package's core properties (docProps/core.xml).
// Each field is the element's text; empty when absent.
type CoreProperties struct {
	Title          string // dc:title
	Creator        string // dc:creator
	Created        string // dcterms:created, W3CDTF such as 2026-01-02T03:04:05Z
	Modified       string // dcterms:modified
	Description    string // dc:description
	Identifier     string // dc:identifier
	Keywords       string // cp:keywords
	Version        string // cp:version
	LastModifiedBy string // cp:lastModifiedBy
}

// Dangling is a data object reference whose target is not in the package.
type Dangling struct {
	// From is the referring object's Key, e.g. resqml20.obj_Grid2dRepresentation(<uuid>).
	From string
	// PartName is the referring object's part name.
	PartName string
	// Reference is the reference itself.
	Reference Reference
}

// String formats d for a message.
func (d Dangling) String() string {
	what := d.Reference.QualifiedType
	if what == "" {
		what = "object"
	}
	return fmt.Sprintf("%s refers at %s to %s %s, which is not in the package", d.From, d.Reference.Where, what, d.Reference.UUID)
}

// isProxyType reports whether qualified type qt is an EpcExternalPartReference.
func isProxyType(qt string) bool {
	_, typ, ok := strings.Cut(qt, ".")
	return ok && (typ == "obj_EpcExternalPartReference" || typ == "EpcExternalPartReference")
}

// QualifiedType returns the ETP 1.2 qualified type for an Energistics
// content type: "application/x-resqml+xml;version=2.0;type=obj_LocalDepth3dCrs"
// gives "resqml20.obj_LocalDepth3dCrs", "application/x-eml+xml;version=2.3;type=EpcExternalPartReference"
// gives "eml23.EpcExternalPartReference". Version 2.0.1 counts as 20. It
// returns an error for other content types.
func QualifiedType(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", contentType, err)
	}
	domain, ok := strings.CutPrefix(mt, "application/x-")
	if ok {
		domain, ok = strings.CutSuffix(domain, "+xml")
	}
	if !ok || !isDomain(domain) {
		return "", fmt.Errorf("content type %q is not an Energistics data object type (application/x-<domain>+xml;version=...;type=...)", contentType)
	}
	typ := params["type"]
	if typ == "" {
		return "", fmt.Errorf("content type %q has no type parameter", contentType)
	}
	if i := strings.LastIndexByte(typ, '.'); i >= 0 {
		typ = typ[i+1:] // some tools write type=resqml20.obj_X
	}
	if !isWord(typ) {
		return "", fmt.Errorf("content type %q: type %q is not a type name", contentType, typ)
	}
	v, err := shortVersion(params["version"])
	if err != nil {
		return "", fmt.Errorf("content type %q: %w", contentType, err)
	}
	return domain + v + "." + typ, nil
}

// ContentType returns the content type for qualified type qt, the inverse of
// QualifiedType: "resqml20.obj_Grid2dRepresentation" gives
// "application/x-resqml+xml;version=2.0;type=obj_Grid2dRepresentation". It
// returns an error when qt is not a qualified type.
func ContentType(qt string) (string, error) {
	domain, v, typ, err := splitQualifiedType(qt)
	if err != nil {
		return "", err
	}
	return "application/x-" + domain + "+xml;version=" + v[:1] + "." + v[1:] + ";type=" + typ, nil
}

// splitQualifiedType splits "resqml20.obj_X" into "resqml", "20", "obj_X".
func splitQualifiedType(qt string) (domain, version, typ string, err error) {
	dv, typ, ok := strings.Cut(qt, ".")
	i := len(dv)
	for i > 0 && dv[i-1] >= '0' && dv[i-1] <= '9' {
		i--
	}
	domain, version = dv[:i], dv[i:]
	if !ok || !isDomain(domain) || len(version) != 2 || version[0] == '0' || !isWord(typ) {
		return "", "", "", fmt.Errorf("%q is not a qualified type such as resqml20.obj_Grid2dRepresentation", qt)
	}
	return domain, version, typ, nil
}

// shortVersion turns "2.0.1" or "2.0" into "20", "2.2" into "22".
func shortVersion(v string) (string, error) {
	parts := strings.Split(strings.TrimSpace(v), ".")
	if len(parts) < 2 || len(parts[0]) != 1 || len(parts[1]) != 1 ||
		parts[0][0] < '1' || parts[0][0] > '9' || parts[1][0] < '0' || parts[1][0] > '9' {
		return "", fmt.Errorf("version %q is not a version such as 2.0 or 2.2", v)
	}
	return parts[0] + parts[1], nil
}

func isDomain(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// isUUID reports whether s has the 8-4-4-4-12 hex digit form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Sentinel errors, wrapped by *Error; test with errors.Is.
var (
	// ErrTooLarge: a part is larger than the configured limit, or the package
	// has more parts than allowed.
	ErrTooLarge = errors.New("epc: too large")
	// ErrClosed: the Package or Writer was closed.
	ErrClosed = errors.New("epc: closed")
)

// Error is a problem with a package or one of its parts.
type Error struct {
	// Package is the .epc file's name as given to Open or Create.
	Package string
	// Part is the OPC part (or zip entry) concerned; empty when the problem is
	// with the package as a whole.
	Part string
	// Err says what is wrong.
	Err error
}

// Error formats e as "epc <package>: <part>: <problem>".
func (e *Error) Error() string {
	s := "epc " + e.Package
	if e.Part != "" {
		s += ": " + e.Part
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
