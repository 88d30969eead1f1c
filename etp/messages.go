package etp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
)

// UUID is the Avro fixed(16) Energistics.Etp.v12.Datatypes.Uuid. The bytes
// are in RFC 4122 order, the order of the hex digits of the text form
// (BRIEF 2.1); github.com/google/uuid uses the same layout, so a uuid.UUID
// converts directly. The zero value is the nil UUID.
type UUID [16]byte

// NewUUID returns a random (version 4) UUID from crypto/rand.
func NewUUID() UUID {
	var u UUID
	_, _ = rand.Read(u[:]) // crypto/rand.Read never returns an error (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// String returns the canonical lower-case 8-4-4-4-12 text form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// IsZero reports whether u is the nil UUID.
func (u UUID) IsZero() bool { return u == UUID{} }

// ParseUUID parses the 8-4-4-4-12 hex form (either letter case). Other forms
// (braces, "urn:uuid:", no dashes) are rejected because ETP URIs only use this
// one (BRIEF 6.6).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("etp: invalid uuid %q: want 8-4-4-4-12 hex digits", s)
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return UUID{}, fmt.Errorf("etp: invalid uuid %q: bad hex digit at offset %d", s, i)
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, nil
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func enumString(names []string, v int32, typ string) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return typ + "(" + strconv.FormatInt(int64(v), 10) + ")"
}

// AnyArrayType is Energistics.Etp.v12.Datatypes.AnyArrayType: which AnyArray
// branch carries the values of an array (BRIEF 5.2). The value is the Avro
// ordinal and, for AnyArray, also the union branch index.
type AnyArrayType int32

// AnyArrayType values, in schema order.
const (
	AnyArrayBoolean AnyArrayType = 0 // arrayOfBoolean
	AnyArrayInt     AnyArrayType = 1 // arrayOfInt (int32)
	AnyArrayLong    AnyArrayType = 2 // arrayOfLong (int64)
	AnyArrayFloat   AnyArrayType = 3 // arrayOfFloat (float32)
	AnyArrayDouble  AnyArrayType = 4 // arrayOfDouble (float64)
	AnyArrayString  AnyArrayType = 5 // arrayOfString
	AnyArrayBytes   AnyArrayType = 6 // bytes
)

var anyArrayTypeNames = []string{"arrayOfBoolean", "arrayOfInt", "arrayOfLong", "arrayOfFloat",
	"arrayOfDouble", "arrayOfString", "bytes"}

// String returns the schema symbol ("arrayOfDouble") or "AnyArrayType(n)".
func (t AnyArrayType) String() string { return enumString(anyArrayTypeNames, int32(t), "AnyArrayType") }

// Valid reports whether t is one of the seven schema symbols.
func (t AnyArrayType) Valid() bool { return t >= 0 && int(t) < len(anyArrayTypeNames) }

// AnyLogicalArrayType is Energistics.Etp.v12.Datatypes.AnyLogicalArrayType:
// what the values of an array really are, independent of how they travel
// (BRIEF 5.3).
type AnyLogicalArrayType int32

// AnyLogicalArrayType values, in schema order.
const (
	LogicalArrayBoolean    AnyLogicalArrayType = 0
	LogicalArrayInt8       AnyLogicalArrayType = 1
	LogicalArrayUInt8      AnyLogicalArrayType = 2
	LogicalArrayInt16LE    AnyLogicalArrayType = 3
	LogicalArrayInt32LE    AnyLogicalArrayType = 4
	LogicalArrayInt64LE    AnyLogicalArrayType = 5
	LogicalArrayUInt16LE   AnyLogicalArrayType = 6
	LogicalArrayUInt32LE   AnyLogicalArrayType = 7
	LogicalArrayUInt64LE   AnyLogicalArrayType = 8
	LogicalArrayFloat32LE  AnyLogicalArrayType = 9
	LogicalArrayDouble64LE AnyLogicalArrayType = 10
	LogicalArrayInt16BE    AnyLogicalArrayType = 11
	LogicalArrayInt32BE    AnyLogicalArrayType = 12
	LogicalArrayInt64BE    AnyLogicalArrayType = 13
	LogicalArrayUInt16BE   AnyLogicalArrayType = 14
	LogicalArrayUInt32BE   AnyLogicalArrayType = 15
	LogicalArrayUInt64BE   AnyLogicalArrayType = 16
	LogicalArrayFloat32BE  AnyLogicalArrayType = 17
	LogicalArrayDouble64BE AnyLogicalArrayType = 18
	LogicalArrayString     AnyLogicalArrayType = 19
	LogicalArrayCustom     AnyLogicalArrayType = 20
)

var anyLogicalArrayTypeNames = []string{"arrayOfBoolean", "arrayOfInt8", "arrayOfUInt8",
	"arrayOfInt16LE", "arrayOfInt32LE", "arrayOfInt64LE", "arrayOfUInt16LE", "arrayOfUInt32LE",
	"arrayOfUInt64LE", "arrayOfFloat32LE", "arrayOfDouble64LE", "arrayOfInt16BE", "arrayOfInt32BE",
	"arrayOfInt64BE", "arrayOfUInt16BE", "arrayOfUInt32BE", "arrayOfUInt64BE", "arrayOfFloat32BE",
	"arrayOfDouble64BE", "arrayOfString", "arrayOfCustom"}

// String returns the schema symbol ("arrayOfFloat32LE") or
// "AnyLogicalArrayType(n)".
func (t AnyLogicalArrayType) String() string {
	return enumString(anyLogicalArrayTypeNames, int32(t), "AnyLogicalArrayType")
}

// Valid reports whether t is one of the schema symbols.
func (t AnyLogicalArrayType) Valid() bool { return t >= 0 && int(t) < len(anyLogicalArrayTypeNames) }

// ContextScopeKind is Energistics.Etp.v12.Datatypes.Object.ContextScopeKind:
// the direction of a Discovery graph walk (BRIEF 6.5).
type ContextScopeKind int32

// ContextScopeKind values, in schema order.
const (
	ContextScopeSelf          ContextScopeKind = 0 // self
	ContextScopeSources       ContextScopeKind = 1 // sources
	ContextScopeTargets       ContextScopeKind = 2 // targets
	ContextScopeSourcesOrSelf ContextScopeKind = 3 // sourcesOrSelf
	ContextScopeTargetsOrSelf ContextScopeKind = 4 // targetsOrSelf
)

var contextScopeKindNames = []string{"self", "sources", "targets", "sourcesOrSelf", "targetsOrSelf"}

// String returns the schema symbol ("targetsOrSelf") or "ContextScopeKind(n)".
func (k ContextScopeKind) String() string {
	return enumString(contextScopeKindNames, int32(k), "ContextScopeKind")
}

// Valid reports whether k is one of the schema symbols.
func (k ContextScopeKind) Valid() bool { return k >= 0 && int(k) < len(contextScopeKindNames) }

// RelationshipKind is Energistics.Etp.v12.Datatypes.Object.RelationshipKind.
type RelationshipKind int32

// RelationshipKind values, in schema order.
const (
	RelationshipPrimary   RelationshipKind = 0 // Primary
	RelationshipSecondary RelationshipKind = 1 // Secondary
	RelationshipBoth      RelationshipKind = 2 // Both
)

var relationshipKindNames = []string{"Primary", "Secondary", "Both"}

// String returns the schema symbol ("Primary") or "RelationshipKind(n)".
func (k RelationshipKind) String() string {
	return enumString(relationshipKindNames, int32(k), "RelationshipKind")
}

// Valid reports whether k is one of the schema symbols.
func (k RelationshipKind) Valid() bool { return k >= 0 && int(k) < len(relationshipKindNames) }

// ActiveStatusKind is Energistics.Etp.v12.Datatypes.Object.ActiveStatusKind.
type ActiveStatusKind int32

// ActiveStatusKind values, in schema order.
const (
	ActiveStatusActive   ActiveStatusKind = 0 // Active
	ActiveStatusInactive ActiveStatusKind = 1 // Inactive
)

var activeStatusKindNames = []string{"Active", "Inactive"}

// String returns the schema symbol ("Active") or "ActiveStatusKind(n)".
func (k ActiveStatusKind) String() string {
	return enumString(activeStatusKindNames, int32(k), "ActiveStatusKind")
}

// Valid reports whether k is one of the schema symbols.
func (k ActiveStatusKind) Valid() bool { return k >= 0 && int(k) < len(activeStatusKindNames) }

// MessageHeaderExtension is Energistics.Etp.v12.Datatypes.MessageHeaderExtension,
// sent between header and body when FlagHasHeaderExtension is set (BRIEF 2.7).
// No standard keys are defined.
type MessageHeaderExtension struct {
	Extension map[string]DataValue
}

// ErrorInfo is Energistics.Etp.v12.Datatypes.ErrorInfo: one error of a
// ProtocolException.
type ErrorInfo struct {
	Message string
	Code    ErrorCode
}

// Version is Energistics.Etp.v12.Datatypes.Version. Note the field order:
// major, minor, revision, patch. ETP 1.2 protocols use {1, 2, 0, 0}.
type Version struct {
	Major    int32
	Minor    int32
	Revision int32
	Patch    int32
}

// SupportedProtocol is Energistics.Etp.v12.Datatypes.SupportedProtocol: one
// entry of RequestSession.RequestedProtocols / OpenSession.SupportedProtocols
// (BRIEF 3.2). Role is the role the server is asked to play ("store").
type SupportedProtocol struct {
	Protocol             int32
	ProtocolVersion      Version
	Role                 string
	ProtocolCapabilities map[string]DataValue
}

// SupportedDataObject is Energistics.Etp.v12.Datatypes.SupportedDataObject:
// a qualified type such as "resqml20.obj_Grid2dRepresentation" or a family
// wildcard "resqml20.*", with per-type capabilities.
type SupportedDataObject struct {
	QualifiedType          string
	DataObjectCapabilities map[string]DataValue
}

// Contact is Energistics.Etp.v12.Datatypes.Contact.
type Contact struct {
	OrganizationName string
	ContactName      string
	ContactPhone     string
	ContactEmail     string
}

// ServerCapabilities is Energistics.Etp.v12.Datatypes.ServerCapabilities, the
// document of the pre-session capabilities endpoint (BRIEF 1.3). Encode it
// with AppendRecord and decode it with DecodeRecord.
type ServerCapabilities struct {
	ApplicationName      string
	ApplicationVersion   string
	ContactInformation   Contact
	SupportedCompression []string
	SupportedEncodings   []string
	SupportedFormats     []string
	SupportedDataObjects []SupportedDataObject
	SupportedProtocols   []SupportedProtocol
	EndpointCapabilities map[string]DataValue
}

// DataArrayIdentifier is Energistics.Etp.v12.Datatypes.DataArrayTypes.DataArrayIdentifier:
// the URI of the data object that owns the array storage and the path of the
// array inside it (BRIEF 5.2).
type DataArrayIdentifier struct {
	URI            string
	PathInResource string
}

// DataArray is Energistics.Etp.v12.Datatypes.DataArrayTypes.DataArray:
// dimensions from slowest to fastest and the row-major values (BRIEF 5.3).
type DataArray struct {
	Dimensions []int64
	Data       AnyArray
}

// DataArrayMetadata is Energistics.Etp.v12.Datatypes.DataArrayTypes.DataArrayMetadata.
// Times are UTC microseconds since the Unix epoch.
type DataArrayMetadata struct {
	Dimensions                  []int64
	PreferredSubarrayDimensions []int64
	TransportArrayType          AnyArrayType
	LogicalArrayType            AnyLogicalArrayType
	StoreLastWrite              int64
	StoreCreated                int64
	CustomData                  map[string]DataValue
}

// GetDataSubarraysType is Energistics.Etp.v12.Datatypes.DataArrayTypes.GetDataSubarraysType:
// one block to read; Starts and Counts have one entry per dimension.
type GetDataSubarraysType struct {
	UID    DataArrayIdentifier
	Starts []int64
	Counts []int64
}

// PutDataArraysType is Energistics.Etp.v12.Datatypes.DataArrayTypes.PutDataArraysType.
type PutDataArraysType struct {
	UID        DataArrayIdentifier
	Array      DataArray
	CustomData map[string]DataValue
}

// PutDataSubarraysType is Energistics.Etp.v12.Datatypes.DataArrayTypes.PutDataSubarraysType:
// one block to write; the product of Counts must equal Data.Len().
type PutDataSubarraysType struct {
	UID    DataArrayIdentifier
	Data   AnyArray
	Starts []int64
	Counts []int64
}

// PutUninitializedDataArrayType is
// Energistics.Etp.v12.Datatypes.DataArrayTypes.PutUninitializedDataArrayType.
type PutUninitializedDataArrayType struct {
	UID      DataArrayIdentifier
	Metadata DataArrayMetadata
}

// Resource is Energistics.Etp.v12.Datatypes.Object.Resource (BRIEF 6.1).
// SourceCount and TargetCount are nil unless counts were requested. Times are
// UTC microseconds.
type Resource struct {
	URI            string
	AlternateURIs  []string
	Name           string
	SourceCount    *int32
	TargetCount    *int32
	LastChanged    int64
	StoreLastWrite int64
	StoreCreated   int64
	ActiveStatus   ActiveStatusKind
	CustomData     map[string]DataValue
}

// DataObject is Energistics.Etp.v12.Datatypes.Object.DataObject. Data holds
// the serialized object (UTF-8 XML for Format "xml"); when the object travels
// in Store Chunk messages Data is empty and BlobID names the chunk stream.
type DataObject struct {
	Resource Resource
	Format   string
	BlobID   *UUID
	Data     []byte
}

// Dataspace is Energistics.Etp.v12.Datatypes.Object.Dataspace. Path is the
// name inside dataspace('...').
type Dataspace struct {
	URI            string
	Path           string
	StoreLastWrite int64
	StoreCreated   int64
	CustomData     map[string]DataValue
}

// ContextInfo is Energistics.Etp.v12.Datatypes.Object.ContextInfo: where a
// Discovery walk starts and how far it goes.
type ContextInfo struct {
	URI                     string
	Depth                   int32
	DataObjectTypes         []string
	NavigableEdges          RelationshipKind
	IncludeSecondaryTargets bool
	IncludeSecondarySources bool
}

// Edge is Energistics.Etp.v12.Datatypes.Object.Edge.
type Edge struct {
	SourceURI        string
	TargetURI        string
	RelationshipKind RelationshipKind
	CustomData       map[string]DataValue
}

// DeletedResource is Energistics.Etp.v12.Datatypes.Object.DeletedResource.
type DeletedResource struct {
	URI         string
	DeletedTime int64
	CustomData  map[string]DataValue
}

// PutResponse is Energistics.Etp.v12.Datatypes.Object.PutResponse.
type PutResponse struct {
	CreatedContainedObjectURIs  []string
	DeletedContainedObjectURIs  []string
	JoinedContainedObjectURIs   []string
	UnjoinedContainedObjectURIs []string
}
