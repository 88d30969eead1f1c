package etp

// Discovery protocol (3) message bodies (BRIEF 6.5).

// GetResources (Discovery 1) walks the graph from Context.URI.
// StoreLastWriteFilter (UTC microseconds) and ActiveStatusFilter are optional.
type GetResources struct {
	Context              ContextInfo
	Scope                ContextScopeKind
	CountObjects         bool
	StoreLastWriteFilter *int64
	ActiveStatusFilter   *ActiveStatusKind
	IncludeEdges         bool
}

// GetResourcesResponse (Discovery 4) lists resources; may be multipart.
type GetResourcesResponse struct {
	Resources []Resource
}

// GetDeletedResources (Discovery 5) lists deleted resources of a dataspace.
type GetDeletedResources struct {
	DataspaceURI     string
	DeleteTimeFilter *int64
	DataObjectTypes  []string
}

// GetDeletedResourcesResponse (Discovery 6); may be multipart.
type GetDeletedResourcesResponse struct {
	DeletedResources []DeletedResource
}

// GetResourcesEdgesResponse (Discovery 7) carries the edges of a walk
// requested with IncludeEdges; may be multipart.
type GetResourcesEdgesResponse struct {
	Edges []Edge
}

// MessageProtocol returns ProtocolDiscovery.
func (*GetResources) MessageProtocol() Protocol { return ProtocolDiscovery }

// MessageProtocol returns ProtocolDiscovery.
func (*GetResourcesResponse) MessageProtocol() Protocol { return ProtocolDiscovery }

// MessageProtocol returns ProtocolDiscovery.
func (*GetDeletedResources) MessageProtocol() Protocol { return ProtocolDiscovery }

// MessageProtocol returns ProtocolDiscovery.
func (*GetDeletedResourcesResponse) MessageProtocol() Protocol { return ProtocolDiscovery }

// MessageProtocol returns ProtocolDiscovery.
func (*GetResourcesEdgesResponse) MessageProtocol() Protocol { return ProtocolDiscovery }

// MessageType returns 1.
func (*GetResources) MessageType() int32 { return 1 }

// MessageType returns 4.
func (*GetResourcesResponse) MessageType() int32 { return 4 }

// MessageType returns 5.
func (*GetDeletedResources) MessageType() int32 { return 5 }

// MessageType returns 6.
func (*GetDeletedResourcesResponse) MessageType() int32 { return 6 }

// MessageType returns 7.
func (*GetResourcesEdgesResponse) MessageType() int32 { return 7 }
