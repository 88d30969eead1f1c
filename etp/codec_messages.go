package etp

// Codecs of the message bodies, in schema field order (BRIEF Appendix A.3).

// registry maps (protocol, messageType) to the body type. It is never
// modified after package initialisation.
var registry = map[msgKey]msgInfo{
	{ProtocolCore, 1}:    {"Energistics.Etp.v12.Protocol.Core.RequestSession", false, func() Message { return new(RequestSession) }},
	{ProtocolCore, 2}:    {"Energistics.Etp.v12.Protocol.Core.OpenSession", false, func() Message { return new(OpenSession) }},
	{ProtocolCore, 5}:    {"Energistics.Etp.v12.Protocol.Core.CloseSession", false, func() Message { return new(CloseSession) }},
	{ProtocolCore, 6}:    {"Energistics.Etp.v12.Protocol.Core.Authorize", false, func() Message { return new(Authorize) }},
	{ProtocolCore, 7}:    {"Energistics.Etp.v12.Protocol.Core.AuthorizeResponse", false, func() Message { return new(AuthorizeResponse) }},
	{ProtocolCore, 8}:    {"Energistics.Etp.v12.Protocol.Core.Ping", false, func() Message { return new(Ping) }},
	{ProtocolCore, 9}:    {"Energistics.Etp.v12.Protocol.Core.Pong", false, func() Message { return new(Pong) }},
	{ProtocolCore, 1000}: {"Energistics.Etp.v12.Protocol.Core.ProtocolException", true, func() Message { return new(ProtocolException) }},
	{ProtocolCore, 1001}: {"Energistics.Etp.v12.Protocol.Core.Acknowledge", false, func() Message { return new(Acknowledge) }},

	{ProtocolDiscovery, 1}: {"Energistics.Etp.v12.Protocol.Discovery.GetResources", false, func() Message { return new(GetResources) }},
	{ProtocolDiscovery, 4}: {"Energistics.Etp.v12.Protocol.Discovery.GetResourcesResponse", true, func() Message { return new(GetResourcesResponse) }},
	{ProtocolDiscovery, 5}: {"Energistics.Etp.v12.Protocol.Discovery.GetDeletedResources", false, func() Message { return new(GetDeletedResources) }},
	{ProtocolDiscovery, 6}: {"Energistics.Etp.v12.Protocol.Discovery.GetDeletedResourcesResponse", true, func() Message { return new(GetDeletedResourcesResponse) }},
	{ProtocolDiscovery, 7}: {"Energistics.Etp.v12.Protocol.Discovery.GetResourcesEdgesResponse", true, func() Message { return new(GetResourcesEdgesResponse) }},

	{ProtocolStore, 1}:  {"Energistics.Etp.v12.Protocol.Store.GetDataObjects", false, func() Message { return new(GetDataObjects) }},
	{ProtocolStore, 2}:  {"Energistics.Etp.v12.Protocol.Store.PutDataObjects", true, func() Message { return new(PutDataObjects) }},
	{ProtocolStore, 3}:  {"Energistics.Etp.v12.Protocol.Store.DeleteDataObjects", false, func() Message { return new(DeleteDataObjects) }},
	{ProtocolStore, 4}:  {"Energistics.Etp.v12.Protocol.Store.GetDataObjectsResponse", true, func() Message { return new(GetDataObjectsResponse) }},
	{ProtocolStore, 8}:  {"Energistics.Etp.v12.Protocol.Store.Chunk", true, func() Message { return new(Chunk) }},
	{ProtocolStore, 9}:  {"Energistics.Etp.v12.Protocol.Store.PutDataObjectsResponse", true, func() Message { return new(PutDataObjectsResponse) }},
	{ProtocolStore, 10}: {"Energistics.Etp.v12.Protocol.Store.DeleteDataObjectsResponse", true, func() Message { return new(DeleteDataObjectsResponse) }},

	{ProtocolDataArray, 1}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataArraysResponse", true, func() Message { return new(GetDataArraysResponse) }},
	{ProtocolDataArray, 2}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataArrays", false, func() Message { return new(GetDataArrays) }},
	{ProtocolDataArray, 3}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataSubarrays", false, func() Message { return new(GetDataSubarrays) }},
	{ProtocolDataArray, 4}:  {"Energistics.Etp.v12.Protocol.DataArray.PutDataArrays", false, func() Message { return new(PutDataArrays) }},
	{ProtocolDataArray, 5}:  {"Energistics.Etp.v12.Protocol.DataArray.PutDataSubarrays", false, func() Message { return new(PutDataSubarrays) }},
	{ProtocolDataArray, 6}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataArrayMetadata", false, func() Message { return new(GetDataArrayMetadata) }},
	{ProtocolDataArray, 7}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataArrayMetadataResponse", true, func() Message { return new(GetDataArrayMetadataResponse) }},
	{ProtocolDataArray, 8}:  {"Energistics.Etp.v12.Protocol.DataArray.GetDataSubarraysResponse", true, func() Message { return new(GetDataSubarraysResponse) }},
	{ProtocolDataArray, 9}:  {"Energistics.Etp.v12.Protocol.DataArray.PutUninitializedDataArrays", false, func() Message { return new(PutUninitializedDataArrays) }},
	{ProtocolDataArray, 10}: {"Energistics.Etp.v12.Protocol.DataArray.PutDataArraysResponse", true, func() Message { return new(PutDataArraysResponse) }},
	{ProtocolDataArray, 11}: {"Energistics.Etp.v12.Protocol.DataArray.PutDataSubarraysResponse", true, func() Message { return new(PutDataSubarraysResponse) }},
	{ProtocolDataArray, 12}: {"Energistics.Etp.v12.Protocol.DataArray.PutUninitializedDataArraysResponse", true, func() Message { return new(PutUninitializedDataArraysResponse) }},

	{ProtocolTransaction, 1}: {"Energistics.Etp.v12.Protocol.Transaction.StartTransaction", false, func() Message { return new(StartTransaction) }},
	{ProtocolTransaction, 2}: {"Energistics.Etp.v12.Protocol.Transaction.StartTransactionResponse", false, func() Message { return new(StartTransactionResponse) }},
	{ProtocolTransaction, 3}: {"Energistics.Etp.v12.Protocol.Transaction.CommitTransaction", false, func() Message { return new(CommitTransaction) }},
	{ProtocolTransaction, 4}: {"Energistics.Etp.v12.Protocol.Transaction.RollbackTransaction", false, func() Message { return new(RollbackTransaction) }},
	{ProtocolTransaction, 5}: {"Energistics.Etp.v12.Protocol.Transaction.CommitTransactionResponse", false, func() Message { return new(CommitTransactionResponse) }},
	{ProtocolTransaction, 6}: {"Energistics.Etp.v12.Protocol.Transaction.RollbackTransactionResponse", false, func() Message { return new(RollbackTransactionResponse) }},

	{ProtocolDataspace, 1}: {"Energistics.Etp.v12.Protocol.Dataspace.GetDataspaces", false, func() Message { return new(GetDataspaces) }},
	{ProtocolDataspace, 2}: {"Energistics.Etp.v12.Protocol.Dataspace.GetDataspacesResponse", true, func() Message { return new(GetDataspacesResponse) }},
	{ProtocolDataspace, 3}: {"Energistics.Etp.v12.Protocol.Dataspace.PutDataspaces", false, func() Message { return new(PutDataspaces) }},
	{ProtocolDataspace, 4}: {"Energistics.Etp.v12.Protocol.Dataspace.DeleteDataspaces", false, func() Message { return new(DeleteDataspaces) }},
	{ProtocolDataspace, 5}: {"Energistics.Etp.v12.Protocol.Dataspace.DeleteDataspacesResponse", true, func() Message { return new(DeleteDataspacesResponse) }},
	{ProtocolDataspace, 6}: {"Energistics.Etp.v12.Protocol.Dataspace.PutDataspacesResponse", true, func() Message { return new(PutDataspacesResponse) }},
}

// Minimum encoded sizes used to bound counts before allocating.
const (
	minDataObjectSize = minResourceSize + 3
	minDataArraySize  = 3
)

// --- Core ---

func (m *RequestSession) sizeAvro() int {
	return sizeString(m.ApplicationName) + sizeString(m.ApplicationVersion) + 16 +
		sizeArray(m.RequestedProtocols, sizeRecord[SupportedProtocol]) +
		sizeArray(m.SupportedDataObjects, sizeRecord[SupportedDataObject]) +
		sizeStrings(m.SupportedCompression) + sizeStrings(m.SupportedFormats) +
		sizeLong(m.CurrentDateTime) + sizeLong(m.EarliestRetainedChangeTime) + 1 +
		sizeValueMap(m.EndpointCapabilities)
}

func (m *RequestSession) encodeAvro(e *encoder) {
	e.str(m.ApplicationName)
	e.str(m.ApplicationVersion)
	e.fixed(&m.ClientInstanceID)
	encArray(e, m.RequestedProtocols, encRecord[SupportedProtocol])
	encArray(e, m.SupportedDataObjects, encRecord[SupportedDataObject])
	encStrings(e, m.SupportedCompression)
	encStrings(e, m.SupportedFormats)
	e.long(m.CurrentDateTime)
	e.long(m.EarliestRetainedChangeTime)
	e.bool(m.ServerAuthorizationRequired)
	encValueMap(e, m.EndpointCapabilities)
}

func (m *RequestSession) decodeAvro(d *decoder) {
	m.ApplicationName = d.str()
	m.ApplicationVersion = d.str()
	d.fixed(&m.ClientInstanceID)
	m.RequestedProtocols = decArray(d, nil, 8, decRecord[SupportedProtocol])
	m.SupportedDataObjects = decArray(d, nil, 2, decRecord[SupportedDataObject])
	m.SupportedCompression = decStrings(d)
	m.SupportedFormats = decStrings(d)
	m.CurrentDateTime = d.long()
	m.EarliestRetainedChangeTime = d.long()
	m.ServerAuthorizationRequired = d.bool()
	m.EndpointCapabilities = decValueMap(d)
}

func (m *OpenSession) sizeAvro() int {
	return sizeString(m.ApplicationName) + sizeString(m.ApplicationVersion) + 16 +
		sizeArray(m.SupportedProtocols, sizeRecord[SupportedProtocol]) +
		sizeArray(m.SupportedDataObjects, sizeRecord[SupportedDataObject]) +
		sizeString(m.SupportedCompression) + sizeStrings(m.SupportedFormats) +
		sizeLong(m.CurrentDateTime) + sizeLong(m.EarliestRetainedChangeTime) + 16 +
		sizeValueMap(m.EndpointCapabilities)
}

func (m *OpenSession) encodeAvro(e *encoder) {
	e.str(m.ApplicationName)
	e.str(m.ApplicationVersion)
	e.fixed(&m.ServerInstanceID)
	encArray(e, m.SupportedProtocols, encRecord[SupportedProtocol])
	encArray(e, m.SupportedDataObjects, encRecord[SupportedDataObject])
	e.str(m.SupportedCompression)
	encStrings(e, m.SupportedFormats)
	e.long(m.CurrentDateTime)
	e.long(m.EarliestRetainedChangeTime)
	e.fixed(&m.SessionID)
	encValueMap(e, m.EndpointCapabilities)
}

func (m *OpenSession) decodeAvro(d *decoder) {
	m.ApplicationName = d.str()
	m.ApplicationVersion = d.str()
	d.fixed(&m.ServerInstanceID)
	m.SupportedProtocols = decArray(d, nil, 8, decRecord[SupportedProtocol])
	m.SupportedDataObjects = decArray(d, nil, 2, decRecord[SupportedDataObject])
	m.SupportedCompression = d.str()
	m.SupportedFormats = decStrings(d)
	m.CurrentDateTime = d.long()
	m.EarliestRetainedChangeTime = d.long()
	d.fixed(&m.SessionID)
	m.EndpointCapabilities = decValueMap(d)
}

func (m *CloseSession) sizeAvro() int         { return sizeString(m.Reason) }
func (m *CloseSession) encodeAvro(e *encoder) { e.str(m.Reason) }
func (m *CloseSession) decodeAvro(d *decoder) { m.Reason = d.str() }

func (m *Authorize) sizeAvro() int {
	return sizeString(m.Authorization) + sizeStringMap(m.SupplementalAuthorization)
}

func (m *Authorize) encodeAvro(e *encoder) {
	e.str(m.Authorization)
	encStringMap(e, m.SupplementalAuthorization)
}

func (m *Authorize) decodeAvro(d *decoder) {
	m.Authorization = d.str()
	m.SupplementalAuthorization = decStringMap(d)
}

func (m *AuthorizeResponse) sizeAvro() int { return 1 + sizeStrings(m.Challenges) }

func (m *AuthorizeResponse) encodeAvro(e *encoder) {
	e.bool(m.Success)
	encStrings(e, m.Challenges)
}

func (m *AuthorizeResponse) decodeAvro(d *decoder) {
	m.Success = d.bool()
	m.Challenges = decStrings(d)
}

func (m *Ping) sizeAvro() int         { return sizeLong(m.CurrentDateTime) }
func (m *Ping) encodeAvro(e *encoder) { e.long(m.CurrentDateTime) }
func (m *Ping) decodeAvro(d *decoder) { m.CurrentDateTime = d.long() }

func (m *Pong) sizeAvro() int         { return sizeLong(m.CurrentDateTime) }
func (m *Pong) encodeAvro(e *encoder) { e.long(m.CurrentDateTime) }
func (m *Pong) decodeAvro(d *decoder) { m.CurrentDateTime = d.long() }

func (m *ProtocolException) sizeAvro() int {
	n := 1 + sizeMap(m.Errors, sizeRecord[ErrorInfo])
	if m.Error != nil {
		n += m.Error.sizeAvro()
	}
	return n
}

func (m *ProtocolException) encodeAvro(e *encoder) {
	if m.Error == nil {
		e.b = append(e.b, 0)
	} else {
		e.b = append(e.b, 2)
		m.Error.encodeAvro(e)
	}
	encMap(e, m.Errors, encRecord[ErrorInfo])
}

func (m *ProtocolException) decodeAvro(d *decoder) {
	m.Error = nil
	if d.unionIndex(2, "ProtocolException.error") == 1 && d.err == nil {
		m.Error = new(ErrorInfo)
		m.Error.decodeAvro(d)
	}
	m.Errors = decMap(d, nil, 3, decRecord[ErrorInfo])
}

func (m *Acknowledge) sizeAvro() int       { return 0 }
func (m *Acknowledge) encodeAvro(*encoder) {}
func (m *Acknowledge) decodeAvro(*decoder) {}

// --- Discovery ---

func (m *GetResources) sizeAvro() int {
	n := m.Context.sizeAvro() + sizeLong(int64(m.Scope)) + 1 + sizeOptLong(m.StoreLastWriteFilter) + 1 + 1
	if m.ActiveStatusFilter != nil {
		n += sizeLong(int64(*m.ActiveStatusFilter))
	}
	return n
}

func (m *GetResources) encodeAvro(e *encoder) {
	m.Context.encodeAvro(e)
	e.enum(int32(m.Scope), len(contextScopeKindNames), "ContextScopeKind")
	e.bool(m.CountObjects)
	encOptLong(e, m.StoreLastWriteFilter)
	if m.ActiveStatusFilter == nil {
		e.b = append(e.b, 0)
	} else {
		e.b = append(e.b, 2)
		e.enum(int32(*m.ActiveStatusFilter), len(activeStatusKindNames), "ActiveStatusKind")
	}
	e.bool(m.IncludeEdges)
}

func (m *GetResources) decodeAvro(d *decoder) {
	m.Context.decodeAvro(d)
	m.Scope = ContextScopeKind(d.enum(len(contextScopeKindNames), "ContextScopeKind"))
	m.CountObjects = d.bool()
	m.StoreLastWriteFilter = decOptLong(d, "GetResources.storeLastWriteFilter")
	m.ActiveStatusFilter = nil
	if d.unionIndex(2, "GetResources.activeStatusFilter") == 1 && d.err == nil {
		k := ActiveStatusKind(d.enum(len(activeStatusKindNames), "ActiveStatusKind"))
		m.ActiveStatusFilter = &k
	}
	m.IncludeEdges = d.bool()
}

func (m *GetResourcesResponse) sizeAvro() int { return sizeArray(m.Resources, sizeRecord[Resource]) }
func (m *GetResourcesResponse) encodeAvro(e *encoder) {
	encArray(e, m.Resources, encRecord[Resource])
}
func (m *GetResourcesResponse) decodeAvro(d *decoder) {
	m.Resources = decArray(d, nil, minResourceSize, decRecord[Resource])
}

func (m *GetDeletedResources) sizeAvro() int {
	return sizeString(m.DataspaceURI) + sizeOptLong(m.DeleteTimeFilter) + sizeStrings(m.DataObjectTypes)
}

func (m *GetDeletedResources) encodeAvro(e *encoder) {
	e.str(m.DataspaceURI)
	encOptLong(e, m.DeleteTimeFilter)
	encStrings(e, m.DataObjectTypes)
}

func (m *GetDeletedResources) decodeAvro(d *decoder) {
	m.DataspaceURI = d.str()
	m.DeleteTimeFilter = decOptLong(d, "GetDeletedResources.deleteTimeFilter")
	m.DataObjectTypes = decStrings(d)
}

func (m *GetDeletedResourcesResponse) sizeAvro() int {
	return sizeArray(m.DeletedResources, sizeRecord[DeletedResource])
}
func (m *GetDeletedResourcesResponse) encodeAvro(e *encoder) {
	encArray(e, m.DeletedResources, encRecord[DeletedResource])
}
func (m *GetDeletedResourcesResponse) decodeAvro(d *decoder) {
	m.DeletedResources = decArray(d, nil, 3, decRecord[DeletedResource])
}

func (m *GetResourcesEdgesResponse) sizeAvro() int { return sizeArray(m.Edges, sizeRecord[Edge]) }
func (m *GetResourcesEdgesResponse) encodeAvro(e *encoder) {
	encArray(e, m.Edges, encRecord[Edge])
}
func (m *GetResourcesEdgesResponse) decodeAvro(d *decoder) {
	m.Edges = decArray(d, nil, 4, decRecord[Edge])
}

// --- Store ---

func (m *GetDataObjects) sizeAvro() int { return sizeStringMap(m.URIs) + sizeString(m.Format) }

func (m *GetDataObjects) encodeAvro(e *encoder) {
	encStringMap(e, m.URIs)
	e.str(m.Format)
}

func (m *GetDataObjects) decodeAvro(d *decoder) {
	m.URIs = decStringMap(d)
	m.Format = d.str()
}

func (m *PutDataObjects) sizeAvro() int { return sizeMap(m.DataObjects, sizeRecord[DataObject]) + 1 }

func (m *PutDataObjects) encodeAvro(e *encoder) {
	encMap(e, m.DataObjects, encRecord[DataObject])
	e.bool(m.PruneContainedObjects)
}

func (m *PutDataObjects) decodeAvro(d *decoder) {
	m.DataObjects = decMap(d, nil, 1+minDataObjectSize, decRecord[DataObject])
	m.PruneContainedObjects = d.bool()
}

func (m *DeleteDataObjects) sizeAvro() int { return sizeStringMap(m.URIs) + 1 }

func (m *DeleteDataObjects) encodeAvro(e *encoder) {
	encStringMap(e, m.URIs)
	e.bool(m.PruneContainedObjects)
}

func (m *DeleteDataObjects) decodeAvro(d *decoder) {
	m.URIs = decStringMap(d)
	m.PruneContainedObjects = d.bool()
}

func (m *GetDataObjectsResponse) sizeAvro() int {
	return sizeMap(m.DataObjects, sizeRecord[DataObject])
}
func (m *GetDataObjectsResponse) encodeAvro(e *encoder) {
	encMap(e, m.DataObjects, encRecord[DataObject])
}
func (m *GetDataObjectsResponse) decodeAvro(d *decoder) {
	m.DataObjects = decMap(d, nil, 1+minDataObjectSize, decRecord[DataObject])
}

func (m *Chunk) sizeAvro() int { return 16 + sizeBytes(m.Data) + 1 }

func (m *Chunk) encodeAvro(e *encoder) {
	e.fixed(&m.BlobID)
	e.bytes(m.Data)
	e.bool(m.Final)
}

func (m *Chunk) decodeAvro(d *decoder) {
	d.fixed(&m.BlobID)
	m.Data = d.bytes()
	m.Final = d.bool()
}

func (m *PutDataObjectsResponse) sizeAvro() int { return sizeMap(m.Success, sizeRecord[PutResponse]) }
func (m *PutDataObjectsResponse) encodeAvro(e *encoder) {
	encMap(e, m.Success, encRecord[PutResponse])
}
func (m *PutDataObjectsResponse) decodeAvro(d *decoder) {
	m.Success = decMap(d, nil, 5, decRecord[PutResponse])
}

func (m *DeleteDataObjectsResponse) sizeAvro() int {
	return sizeMap(m.DeletedURIs, sizeRecord[ArrayOfString])
}
func (m *DeleteDataObjectsResponse) encodeAvro(e *encoder) {
	encMap(e, m.DeletedURIs, encRecord[ArrayOfString])
}
func (m *DeleteDataObjectsResponse) decodeAvro(d *decoder) {
	m.DeletedURIs = decMap(d, nil, 2, decRecord[ArrayOfString])
}

// --- DataArray ---
//
// The bodies that carry AnyArray payloads (GetDataArraysResponse,
// GetDataSubarraysResponse, PutDataArrays, PutDataSubarrays) decode into the
// existing map of the receiver: an entry whose key is in the input reuses the
// buffers of the previous value under that key (see DecodeMessageInto).

func (m *GetDataArraysResponse) sizeAvro() int { return sizeMap(m.DataArrays, sizeRecord[DataArray]) }
func (m *GetDataArraysResponse) encodeAvro(e *encoder) {
	encMap(e, m.DataArrays, encRecord[DataArray])
}
func (m *GetDataArraysResponse) decodeAvro(d *decoder) {
	m.DataArrays = decMap(d, m.DataArrays, 1+minDataArraySize, decRecord[DataArray])
}

func (m *GetDataArrays) sizeAvro() int { return sizeMap(m.DataArrays, sizeRecord[DataArrayIdentifier]) }
func (m *GetDataArrays) encodeAvro(e *encoder) {
	encMap(e, m.DataArrays, encRecord[DataArrayIdentifier])
}
func (m *GetDataArrays) decodeAvro(d *decoder) {
	m.DataArrays = decMap(d, nil, 3, decRecord[DataArrayIdentifier])
}

func (m *GetDataSubarrays) sizeAvro() int {
	return sizeMap(m.DataSubarrays, sizeRecord[GetDataSubarraysType])
}
func (m *GetDataSubarrays) encodeAvro(e *encoder) {
	encMap(e, m.DataSubarrays, encRecord[GetDataSubarraysType])
}
func (m *GetDataSubarrays) decodeAvro(d *decoder) {
	m.DataSubarrays = decMap(d, nil, 5, decRecord[GetDataSubarraysType])
}

func (m *PutDataArrays) sizeAvro() int { return sizeMap(m.DataArrays, sizeRecord[PutDataArraysType]) }
func (m *PutDataArrays) encodeAvro(e *encoder) {
	encMap(e, m.DataArrays, encRecord[PutDataArraysType])
}
func (m *PutDataArrays) decodeAvro(d *decoder) {
	m.DataArrays = decMap(d, m.DataArrays, 1+2+minDataArraySize+1, decRecord[PutDataArraysType])
}

func (m *PutDataSubarrays) sizeAvro() int {
	return sizeMap(m.DataSubarrays, sizeRecord[PutDataSubarraysType])
}
func (m *PutDataSubarrays) encodeAvro(e *encoder) {
	encMap(e, m.DataSubarrays, encRecord[PutDataSubarraysType])
}
func (m *PutDataSubarrays) decodeAvro(d *decoder) {
	m.DataSubarrays = decMap(d, m.DataSubarrays, 1+2+2+2, decRecord[PutDataSubarraysType])
}

func (m *GetDataArrayMetadata) sizeAvro() int {
	return sizeMap(m.DataArrays, sizeRecord[DataArrayIdentifier])
}
func (m *GetDataArrayMetadata) encodeAvro(e *encoder) {
	encMap(e, m.DataArrays, encRecord[DataArrayIdentifier])
}
func (m *GetDataArrayMetadata) decodeAvro(d *decoder) {
	m.DataArrays = decMap(d, nil, 3, decRecord[DataArrayIdentifier])
}

func (m *GetDataArrayMetadataResponse) sizeAvro() int {
	return sizeMap(m.ArrayMetadata, sizeRecord[DataArrayMetadata])
}
func (m *GetDataArrayMetadataResponse) encodeAvro(e *encoder) {
	encMap(e, m.ArrayMetadata, encRecord[DataArrayMetadata])
}
func (m *GetDataArrayMetadataResponse) decodeAvro(d *decoder) {
	m.ArrayMetadata = decMap(d, nil, 8, decRecord[DataArrayMetadata])
}

func (m *GetDataSubarraysResponse) sizeAvro() int {
	return sizeMap(m.DataSubarrays, sizeRecord[DataArray])
}
func (m *GetDataSubarraysResponse) encodeAvro(e *encoder) {
	encMap(e, m.DataSubarrays, encRecord[DataArray])
}
func (m *GetDataSubarraysResponse) decodeAvro(d *decoder) {
	m.DataSubarrays = decMap(d, m.DataSubarrays, 1+minDataArraySize, decRecord[DataArray])
}

func (m *PutUninitializedDataArrays) sizeAvro() int {
	return sizeMap(m.DataArrays, sizeRecord[PutUninitializedDataArrayType])
}
func (m *PutUninitializedDataArrays) encodeAvro(e *encoder) {
	encMap(e, m.DataArrays, encRecord[PutUninitializedDataArrayType])
}
func (m *PutUninitializedDataArrays) decodeAvro(d *decoder) {
	m.DataArrays = decMap(d, nil, 1+2+7, decRecord[PutUninitializedDataArrayType])
}

func (m *PutDataArraysResponse) sizeAvro() int         { return sizeStringMap(m.Success) }
func (m *PutDataArraysResponse) encodeAvro(e *encoder) { encStringMap(e, m.Success) }
func (m *PutDataArraysResponse) decodeAvro(d *decoder) { m.Success = decStringMap(d) }

func (m *PutDataSubarraysResponse) sizeAvro() int         { return sizeStringMap(m.Success) }
func (m *PutDataSubarraysResponse) encodeAvro(e *encoder) { encStringMap(e, m.Success) }
func (m *PutDataSubarraysResponse) decodeAvro(d *decoder) { m.Success = decStringMap(d) }

func (m *PutUninitializedDataArraysResponse) sizeAvro() int         { return sizeStringMap(m.Success) }
func (m *PutUninitializedDataArraysResponse) encodeAvro(e *encoder) { encStringMap(e, m.Success) }
func (m *PutUninitializedDataArraysResponse) decodeAvro(d *decoder) { m.Success = decStringMap(d) }

// --- Transaction ---

func (m *StartTransaction) sizeAvro() int {
	return 1 + sizeString(m.Message) + sizeStrings(m.DataspaceURIs)
}

func (m *StartTransaction) encodeAvro(e *encoder) {
	e.bool(m.ReadOnly)
	e.str(m.Message)
	encStrings(e, m.DataspaceURIs)
}

func (m *StartTransaction) decodeAvro(d *decoder) {
	m.ReadOnly = d.bool()
	m.Message = d.str()
	m.DataspaceURIs = decStrings(d)
}

func sizeTxResult(reason string) int { return 16 + 1 + sizeString(reason) }

func encTxResult(e *encoder, u *UUID, ok bool, reason string) {
	e.fixed(u)
	e.bool(ok)
	e.str(reason)
}

func (m *StartTransactionResponse) sizeAvro() int { return sizeTxResult(m.FailureReason) }
func (m *StartTransactionResponse) encodeAvro(e *encoder) {
	encTxResult(e, &m.TransactionUUID, m.Successful, m.FailureReason)
}
func (m *StartTransactionResponse) decodeAvro(d *decoder) {
	d.fixed(&m.TransactionUUID)
	m.Successful = d.bool()
	m.FailureReason = d.str()
}

func (m *CommitTransaction) sizeAvro() int         { return 16 }
func (m *CommitTransaction) encodeAvro(e *encoder) { e.fixed(&m.TransactionUUID) }
func (m *CommitTransaction) decodeAvro(d *decoder) { d.fixed(&m.TransactionUUID) }

func (m *RollbackTransaction) sizeAvro() int         { return 16 }
func (m *RollbackTransaction) encodeAvro(e *encoder) { e.fixed(&m.TransactionUUID) }
func (m *RollbackTransaction) decodeAvro(d *decoder) { d.fixed(&m.TransactionUUID) }

func (m *CommitTransactionResponse) sizeAvro() int { return sizeTxResult(m.FailureReason) }
func (m *CommitTransactionResponse) encodeAvro(e *encoder) {
	encTxResult(e, &m.TransactionUUID, m.Successful, m.FailureReason)
}
func (m *CommitTransactionResponse) decodeAvro(d *decoder) {
	d.fixed(&m.TransactionUUID)
	m.Successful = d.bool()
	m.FailureReason = d.str()
}

func (m *RollbackTransactionResponse) sizeAvro() int { return sizeTxResult(m.FailureReason) }
func (m *RollbackTransactionResponse) encodeAvro(e *encoder) {
	encTxResult(e, &m.TransactionUUID, m.Successful, m.FailureReason)
}
func (m *RollbackTransactionResponse) decodeAvro(d *decoder) {
	d.fixed(&m.TransactionUUID)
	m.Successful = d.bool()
	m.FailureReason = d.str()
}

// --- Dataspace ---

func (m *GetDataspaces) sizeAvro() int         { return sizeOptLong(m.StoreLastWriteFilter) }
func (m *GetDataspaces) encodeAvro(e *encoder) { encOptLong(e, m.StoreLastWriteFilter) }
func (m *GetDataspaces) decodeAvro(d *decoder) {
	m.StoreLastWriteFilter = decOptLong(d, "GetDataspaces.storeLastWriteFilter")
}

func (m *GetDataspacesResponse) sizeAvro() int { return sizeArray(m.Dataspaces, sizeRecord[Dataspace]) }
func (m *GetDataspacesResponse) encodeAvro(e *encoder) {
	encArray(e, m.Dataspaces, encRecord[Dataspace])
}
func (m *GetDataspacesResponse) decodeAvro(d *decoder) {
	m.Dataspaces = decArray(d, nil, 5, decRecord[Dataspace])
}

func (m *PutDataspaces) sizeAvro() int { return sizeMap(m.Dataspaces, sizeRecord[Dataspace]) }
func (m *PutDataspaces) encodeAvro(e *encoder) {
	encMap(e, m.Dataspaces, encRecord[Dataspace])
}
func (m *PutDataspaces) decodeAvro(d *decoder) {
	m.Dataspaces = decMap(d, nil, 6, decRecord[Dataspace])
}

func (m *DeleteDataspaces) sizeAvro() int         { return sizeStringMap(m.URIs) }
func (m *DeleteDataspaces) encodeAvro(e *encoder) { encStringMap(e, m.URIs) }
func (m *DeleteDataspaces) decodeAvro(d *decoder) { m.URIs = decStringMap(d) }

func (m *DeleteDataspacesResponse) sizeAvro() int         { return sizeStringMap(m.Success) }
func (m *DeleteDataspacesResponse) encodeAvro(e *encoder) { encStringMap(e, m.Success) }
func (m *DeleteDataspacesResponse) decodeAvro(d *decoder) { m.Success = decStringMap(d) }

func (m *PutDataspacesResponse) sizeAvro() int         { return sizeStringMap(m.Success) }
func (m *PutDataspacesResponse) encodeAvro(e *encoder) { encStringMap(e, m.Success) }
func (m *PutDataspacesResponse) decodeAvro(d *decoder) { m.Success = decStringMap(d) }
