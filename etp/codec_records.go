package etp

// Codecs of the shared records of messages.go, in schema field order
// (BRIEF Appendix A.1). Each decodeAvro overwrites every field.

func (h *MessageHeader) sizeAvro() int {
	return sizeLong(int64(h.Protocol)) + sizeLong(int64(h.MessageType)) + sizeLong(h.CorrelationID) +
		sizeLong(h.MessageID) + sizeLong(int64(h.MessageFlags))
}

func (h *MessageHeader) encodeAvro(e *encoder) {
	e.int(h.Protocol)
	e.int(h.MessageType)
	e.long(h.CorrelationID)
	e.long(h.MessageID)
	e.int(h.MessageFlags)
}

func (h *MessageHeader) decodeAvro(d *decoder) {
	h.Protocol = d.int()
	h.MessageType = d.int()
	h.CorrelationID = d.long()
	h.MessageID = d.long()
	h.MessageFlags = d.int()
}

func (x *MessageHeaderExtension) sizeAvro() int         { return sizeValueMap(x.Extension) }
func (x *MessageHeaderExtension) encodeAvro(e *encoder) { encValueMap(e, x.Extension) }
func (x *MessageHeaderExtension) decodeAvro(d *decoder) { x.Extension = decValueMap(d) }

func (x *ErrorInfo) sizeAvro() int { return sizeString(x.Message) + sizeLong(int64(x.Code)) }

func (x *ErrorInfo) encodeAvro(e *encoder) {
	e.str(x.Message)
	e.int(int32(x.Code))
}

func (x *ErrorInfo) decodeAvro(d *decoder) {
	x.Message = d.str()
	x.Code = ErrorCode(d.int())
}

func (x *Version) sizeAvro() int {
	return sizeLong(int64(x.Major)) + sizeLong(int64(x.Minor)) + sizeLong(int64(x.Revision)) +
		sizeLong(int64(x.Patch))
}

func (x *Version) encodeAvro(e *encoder) {
	e.int(x.Major)
	e.int(x.Minor)
	e.int(x.Revision)
	e.int(x.Patch)
}

func (x *Version) decodeAvro(d *decoder) {
	x.Major = d.int()
	x.Minor = d.int()
	x.Revision = d.int()
	x.Patch = d.int()
}

func (x *SupportedProtocol) sizeAvro() int {
	return sizeLong(int64(x.Protocol)) + x.ProtocolVersion.sizeAvro() + sizeString(x.Role) +
		sizeValueMap(x.ProtocolCapabilities)
}

func (x *SupportedProtocol) encodeAvro(e *encoder) {
	e.int(x.Protocol)
	x.ProtocolVersion.encodeAvro(e)
	e.str(x.Role)
	encValueMap(e, x.ProtocolCapabilities)
}

func (x *SupportedProtocol) decodeAvro(d *decoder) {
	x.Protocol = d.int()
	x.ProtocolVersion.decodeAvro(d)
	x.Role = d.str()
	x.ProtocolCapabilities = decValueMap(d)
}

func (x *SupportedDataObject) sizeAvro() int {
	return sizeString(x.QualifiedType) + sizeValueMap(x.DataObjectCapabilities)
}

func (x *SupportedDataObject) encodeAvro(e *encoder) {
	e.str(x.QualifiedType)
	encValueMap(e, x.DataObjectCapabilities)
}

func (x *SupportedDataObject) decodeAvro(d *decoder) {
	x.QualifiedType = d.str()
	x.DataObjectCapabilities = decValueMap(d)
}

func (x *Contact) sizeAvro() int {
	return sizeString(x.OrganizationName) + sizeString(x.ContactName) + sizeString(x.ContactPhone) +
		sizeString(x.ContactEmail)
}

func (x *Contact) encodeAvro(e *encoder) {
	e.str(x.OrganizationName)
	e.str(x.ContactName)
	e.str(x.ContactPhone)
	e.str(x.ContactEmail)
}

func (x *Contact) decodeAvro(d *decoder) {
	x.OrganizationName = d.str()
	x.ContactName = d.str()
	x.ContactPhone = d.str()
	x.ContactEmail = d.str()
}

func (x *ServerCapabilities) sizeAvro() int {
	return sizeString(x.ApplicationName) + sizeString(x.ApplicationVersion) + x.ContactInformation.sizeAvro() +
		sizeStrings(x.SupportedCompression) + sizeStrings(x.SupportedEncodings) + sizeStrings(x.SupportedFormats) +
		sizeArray(x.SupportedDataObjects, sizeRecord[SupportedDataObject]) +
		sizeArray(x.SupportedProtocols, sizeRecord[SupportedProtocol]) +
		sizeValueMap(x.EndpointCapabilities)
}

func (x *ServerCapabilities) encodeAvro(e *encoder) {
	e.str(x.ApplicationName)
	e.str(x.ApplicationVersion)
	x.ContactInformation.encodeAvro(e)
	encStrings(e, x.SupportedCompression)
	encStrings(e, x.SupportedEncodings)
	encStrings(e, x.SupportedFormats)
	encArray(e, x.SupportedDataObjects, encRecord[SupportedDataObject])
	encArray(e, x.SupportedProtocols, encRecord[SupportedProtocol])
	encValueMap(e, x.EndpointCapabilities)
}

func (x *ServerCapabilities) decodeAvro(d *decoder) {
	x.ApplicationName = d.str()
	x.ApplicationVersion = d.str()
	x.ContactInformation.decodeAvro(d)
	x.SupportedCompression = decStrings(d)
	x.SupportedEncodings = decStrings(d)
	x.SupportedFormats = decStrings(d)
	x.SupportedDataObjects = decArray(d, nil, 2, decRecord[SupportedDataObject])
	x.SupportedProtocols = decArray(d, nil, 8, decRecord[SupportedProtocol])
	x.EndpointCapabilities = decValueMap(d)
}

func (x *DataArrayIdentifier) sizeAvro() int { return sizeString(x.URI) + sizeString(x.PathInResource) }

func (x *DataArrayIdentifier) encodeAvro(e *encoder) {
	e.str(x.URI)
	e.str(x.PathInResource)
}

func (x *DataArrayIdentifier) decodeAvro(d *decoder) {
	x.URI = d.str()
	x.PathInResource = d.str()
}

func (x *DataArray) sizeAvro() int { return sizeLongs(x.Dimensions) + x.Data.sizeAvro() }

func (x *DataArray) encodeAvro(e *encoder) {
	encLongs(e, x.Dimensions)
	x.Data.encodeAvro(e)
}

// decodeAvro reuses the capacity of x.Dimensions and of x.Data's slices.
func (x *DataArray) decodeAvro(d *decoder) {
	x.Dimensions = decInt64sInto(d, x.Dimensions)
	x.Data.decodeAvro(d)
}

func (x *DataArrayMetadata) sizeAvro() int {
	return sizeLongs(x.Dimensions) + sizeLongs(x.PreferredSubarrayDimensions) +
		sizeLong(int64(x.TransportArrayType)) + sizeLong(int64(x.LogicalArrayType)) +
		sizeLong(x.StoreLastWrite) + sizeLong(x.StoreCreated) + sizeValueMap(x.CustomData)
}

func (x *DataArrayMetadata) encodeAvro(e *encoder) {
	encLongs(e, x.Dimensions)
	encLongs(e, x.PreferredSubarrayDimensions)
	e.enum(int32(x.TransportArrayType), len(anyArrayTypeNames), "AnyArrayType")
	e.enum(int32(x.LogicalArrayType), len(anyLogicalArrayTypeNames), "AnyLogicalArrayType")
	e.long(x.StoreLastWrite)
	e.long(x.StoreCreated)
	encValueMap(e, x.CustomData)
}

func (x *DataArrayMetadata) decodeAvro(d *decoder) {
	x.Dimensions = decLongs(d)
	x.PreferredSubarrayDimensions = decLongs(d)
	x.TransportArrayType = AnyArrayType(d.enum(len(anyArrayTypeNames), "AnyArrayType"))
	x.LogicalArrayType = AnyLogicalArrayType(d.enum(len(anyLogicalArrayTypeNames), "AnyLogicalArrayType"))
	x.StoreLastWrite = d.long()
	x.StoreCreated = d.long()
	x.CustomData = decValueMap(d)
}

func (x *GetDataSubarraysType) sizeAvro() int {
	return x.UID.sizeAvro() + sizeLongs(x.Starts) + sizeLongs(x.Counts)
}

func (x *GetDataSubarraysType) encodeAvro(e *encoder) {
	x.UID.encodeAvro(e)
	encLongs(e, x.Starts)
	encLongs(e, x.Counts)
}

func (x *GetDataSubarraysType) decodeAvro(d *decoder) {
	x.UID.decodeAvro(d)
	x.Starts = decLongs(d)
	x.Counts = decLongs(d)
}

func (x *PutDataArraysType) sizeAvro() int {
	return x.UID.sizeAvro() + x.Array.sizeAvro() + sizeValueMap(x.CustomData)
}

func (x *PutDataArraysType) encodeAvro(e *encoder) {
	x.UID.encodeAvro(e)
	x.Array.encodeAvro(e)
	encValueMap(e, x.CustomData)
}

func (x *PutDataArraysType) decodeAvro(d *decoder) {
	x.UID.decodeAvro(d)
	x.Array.decodeAvro(d)
	x.CustomData = decValueMap(d)
}

func (x *PutDataSubarraysType) sizeAvro() int {
	return x.UID.sizeAvro() + x.Data.sizeAvro() + sizeLongs(x.Starts) + sizeLongs(x.Counts)
}

func (x *PutDataSubarraysType) encodeAvro(e *encoder) {
	x.UID.encodeAvro(e)
	x.Data.encodeAvro(e)
	encLongs(e, x.Starts)
	encLongs(e, x.Counts)
}

// decodeAvro reuses the capacity of x.Data's slices and of Starts/Counts.
func (x *PutDataSubarraysType) decodeAvro(d *decoder) {
	x.UID.decodeAvro(d)
	x.Data.decodeAvro(d)
	x.Starts = decInt64sInto(d, x.Starts)
	x.Counts = decInt64sInto(d, x.Counts)
}

func (x *PutUninitializedDataArrayType) sizeAvro() int {
	return x.UID.sizeAvro() + x.Metadata.sizeAvro()
}

func (x *PutUninitializedDataArrayType) encodeAvro(e *encoder) {
	x.UID.encodeAvro(e)
	x.Metadata.encodeAvro(e)
}

func (x *PutUninitializedDataArrayType) decodeAvro(d *decoder) {
	x.UID.decodeAvro(d)
	x.Metadata.decodeAvro(d)
}

func (x *Resource) sizeAvro() int {
	return sizeString(x.URI) + sizeStrings(x.AlternateURIs) + sizeString(x.Name) + sizeOptInt(x.SourceCount) +
		sizeOptInt(x.TargetCount) + sizeLong(x.LastChanged) + sizeLong(x.StoreLastWrite) +
		sizeLong(x.StoreCreated) + sizeLong(int64(x.ActiveStatus)) + sizeValueMap(x.CustomData)
}

func (x *Resource) encodeAvro(e *encoder) {
	e.str(x.URI)
	encStrings(e, x.AlternateURIs)
	e.str(x.Name)
	encOptInt(e, x.SourceCount)
	encOptInt(e, x.TargetCount)
	e.long(x.LastChanged)
	e.long(x.StoreLastWrite)
	e.long(x.StoreCreated)
	e.enum(int32(x.ActiveStatus), len(activeStatusKindNames), "ActiveStatusKind")
	encValueMap(e, x.CustomData)
}

func (x *Resource) decodeAvro(d *decoder) {
	x.URI = d.str()
	x.AlternateURIs = decStrings(d)
	x.Name = d.str()
	x.SourceCount = decOptInt(d, "Resource.sourceCount")
	x.TargetCount = decOptInt(d, "Resource.targetCount")
	x.LastChanged = d.long()
	x.StoreLastWrite = d.long()
	x.StoreCreated = d.long()
	x.ActiveStatus = ActiveStatusKind(d.enum(len(activeStatusKindNames), "ActiveStatusKind"))
	x.CustomData = decValueMap(d)
}

const minResourceSize = 10

func (x *DataObject) sizeAvro() int {
	n := x.Resource.sizeAvro() + sizeString(x.Format) + 1 + sizeBytes(x.Data)
	if x.BlobID != nil {
		n += 16
	}
	return n
}

func (x *DataObject) encodeAvro(e *encoder) {
	x.Resource.encodeAvro(e)
	e.str(x.Format)
	if x.BlobID == nil {
		e.b = append(e.b, 0)
	} else {
		e.b = append(e.b, 2)
		e.fixed(x.BlobID)
	}
	e.bytes(x.Data)
}

func (x *DataObject) decodeAvro(d *decoder) {
	x.Resource.decodeAvro(d)
	x.Format = d.str()
	x.BlobID = nil
	if d.unionIndex(2, "DataObject.blobId") == 1 && d.err == nil {
		var u UUID
		d.fixed(&u)
		x.BlobID = &u
	}
	x.Data = d.bytes()
}

func (x *Dataspace) sizeAvro() int {
	return sizeString(x.URI) + sizeString(x.Path) + sizeLong(x.StoreLastWrite) + sizeLong(x.StoreCreated) +
		sizeValueMap(x.CustomData)
}

func (x *Dataspace) encodeAvro(e *encoder) {
	e.str(x.URI)
	e.str(x.Path)
	e.long(x.StoreLastWrite)
	e.long(x.StoreCreated)
	encValueMap(e, x.CustomData)
}

func (x *Dataspace) decodeAvro(d *decoder) {
	x.URI = d.str()
	x.Path = d.str()
	x.StoreLastWrite = d.long()
	x.StoreCreated = d.long()
	x.CustomData = decValueMap(d)
}

func (x *ContextInfo) sizeAvro() int {
	return sizeString(x.URI) + sizeLong(int64(x.Depth)) + sizeStrings(x.DataObjectTypes) +
		sizeLong(int64(x.NavigableEdges)) + 2
}

func (x *ContextInfo) encodeAvro(e *encoder) {
	e.str(x.URI)
	e.int(x.Depth)
	encStrings(e, x.DataObjectTypes)
	e.enum(int32(x.NavigableEdges), len(relationshipKindNames), "RelationshipKind")
	e.bool(x.IncludeSecondaryTargets)
	e.bool(x.IncludeSecondarySources)
}

func (x *ContextInfo) decodeAvro(d *decoder) {
	x.URI = d.str()
	x.Depth = d.int()
	x.DataObjectTypes = decStrings(d)
	x.NavigableEdges = RelationshipKind(d.enum(len(relationshipKindNames), "RelationshipKind"))
	x.IncludeSecondaryTargets = d.bool()
	x.IncludeSecondarySources = d.bool()
}

func (x *Edge) sizeAvro() int {
	return sizeString(x.SourceURI) + sizeString(x.TargetURI) + sizeLong(int64(x.RelationshipKind)) +
		sizeValueMap(x.CustomData)
}

func (x *Edge) encodeAvro(e *encoder) {
	e.str(x.SourceURI)
	e.str(x.TargetURI)
	e.enum(int32(x.RelationshipKind), len(relationshipKindNames), "RelationshipKind")
	encValueMap(e, x.CustomData)
}

func (x *Edge) decodeAvro(d *decoder) {
	x.SourceURI = d.str()
	x.TargetURI = d.str()
	x.RelationshipKind = RelationshipKind(d.enum(len(relationshipKindNames), "RelationshipKind"))
	x.CustomData = decValueMap(d)
}

func (x *DeletedResource) sizeAvro() int {
	return sizeString(x.URI) + sizeLong(x.DeletedTime) + sizeValueMap(x.CustomData)
}

func (x *DeletedResource) encodeAvro(e *encoder) {
	e.str(x.URI)
	e.long(x.DeletedTime)
	encValueMap(e, x.CustomData)
}

func (x *DeletedResource) decodeAvro(d *decoder) {
	x.URI = d.str()
	x.DeletedTime = d.long()
	x.CustomData = decValueMap(d)
}

func (x *PutResponse) sizeAvro() int {
	return sizeStrings(x.CreatedContainedObjectURIs) + sizeStrings(x.DeletedContainedObjectURIs) +
		sizeStrings(x.JoinedContainedObjectURIs) + sizeStrings(x.UnjoinedContainedObjectURIs)
}

func (x *PutResponse) encodeAvro(e *encoder) {
	encStrings(e, x.CreatedContainedObjectURIs)
	encStrings(e, x.DeletedContainedObjectURIs)
	encStrings(e, x.JoinedContainedObjectURIs)
	encStrings(e, x.UnjoinedContainedObjectURIs)
}

func (x *PutResponse) decodeAvro(d *decoder) {
	x.CreatedContainedObjectURIs = decStrings(d)
	x.DeletedContainedObjectURIs = decStrings(d)
	x.JoinedContainedObjectURIs = decStrings(d)
	x.UnjoinedContainedObjectURIs = decStrings(d)
}

func (x *ArrayOfString) sizeAvro() int         { return sizeStrings(x.Values) }
func (x *ArrayOfString) encodeAvro(e *encoder) { encStrings(e, x.Values) }
func (x *ArrayOfString) decodeAvro(d *decoder) { x.Values = decStrings(d) }
