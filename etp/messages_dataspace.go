package etp

// Dataspace protocol (24) message bodies (BRIEF 6.3).

// GetDataspaces (Dataspace 1); a nil StoreLastWriteFilter lists all.
type GetDataspaces struct {
	StoreLastWriteFilter *int64
}

// GetDataspacesResponse (Dataspace 2); may be multipart.
type GetDataspacesResponse struct {
	Dataspaces []Dataspace
}

// PutDataspaces (Dataspace 3) creates or updates dataspaces by key.
type PutDataspaces struct {
	Dataspaces map[string]Dataspace
}

// DeleteDataspaces (Dataspace 4): key to dataspace URI.
type DeleteDataspaces struct {
	URIs map[string]string
}

// DeleteDataspacesResponse (Dataspace 5).
type DeleteDataspacesResponse struct {
	Success map[string]string
}

// PutDataspacesResponse (Dataspace 6).
type PutDataspacesResponse struct {
	Success map[string]string
}

// MessageProtocol returns ProtocolDataspace.
func (*GetDataspaces) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageProtocol returns ProtocolDataspace.
func (*GetDataspacesResponse) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageProtocol returns ProtocolDataspace.
func (*PutDataspaces) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageProtocol returns ProtocolDataspace.
func (*DeleteDataspaces) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageProtocol returns ProtocolDataspace.
func (*DeleteDataspacesResponse) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageProtocol returns ProtocolDataspace.
func (*PutDataspacesResponse) MessageProtocol() Protocol { return ProtocolDataspace }

// MessageType returns 1.
func (*GetDataspaces) MessageType() int32 { return 1 }

// MessageType returns 2.
func (*GetDataspacesResponse) MessageType() int32 { return 2 }

// MessageType returns 3.
func (*PutDataspaces) MessageType() int32 { return 3 }

// MessageType returns 4.
func (*DeleteDataspaces) MessageType() int32 { return 4 }

// MessageType returns 5.
func (*DeleteDataspacesResponse) MessageType() int32 { return 5 }

// MessageType returns 6.
func (*PutDataspacesResponse) MessageType() int32 { return 6 }
