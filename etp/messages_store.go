package etp

// Store protocol (4) message bodies (BRIEF 6.2). Map keys are client-chosen
// and echoed in responses and ProtocolException.Errors.

// GetDataObjects (Store 1): URIs maps key to data-object URI; Format is
// normally "xml".
type GetDataObjects struct {
	URIs   map[string]string
	Format string
}

// PutDataObjects (Store 2) upserts data objects; multipart-capable (large
// objects continue in Chunk messages).
type PutDataObjects struct {
	DataObjects           map[string]DataObject
	PruneContainedObjects bool
}

// DeleteDataObjects (Store 3).
type DeleteDataObjects struct {
	URIs                  map[string]string
	PruneContainedObjects bool
}

// GetDataObjectsResponse (Store 4); may be multipart.
type GetDataObjectsResponse struct {
	DataObjects map[string]DataObject
}

// Chunk (Store 8) carries the next slice of a data object announced with
// DataObject.BlobID; Final marks the last chunk of that blob.
type Chunk struct {
	BlobID UUID
	Data   []byte
	Final  bool
}

// PutDataObjectsResponse (Store 9).
type PutDataObjectsResponse struct {
	Success map[string]PutResponse
}

// DeleteDataObjectsResponse (Store 10): key to every URI actually deleted.
type DeleteDataObjectsResponse struct {
	DeletedURIs map[string]ArrayOfString
}

// MessageProtocol returns ProtocolStore.
func (*GetDataObjects) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*PutDataObjects) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*DeleteDataObjects) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*GetDataObjectsResponse) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*Chunk) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*PutDataObjectsResponse) MessageProtocol() Protocol { return ProtocolStore }

// MessageProtocol returns ProtocolStore.
func (*DeleteDataObjectsResponse) MessageProtocol() Protocol { return ProtocolStore }

// MessageType returns 1.
func (*GetDataObjects) MessageType() int32 { return 1 }

// MessageType returns 2.
func (*PutDataObjects) MessageType() int32 { return 2 }

// MessageType returns 3.
func (*DeleteDataObjects) MessageType() int32 { return 3 }

// MessageType returns 4.
func (*GetDataObjectsResponse) MessageType() int32 { return 4 }

// MessageType returns 8.
func (*Chunk) MessageType() int32 { return 8 }

// MessageType returns 9.
func (*PutDataObjectsResponse) MessageType() int32 { return 9 }

// MessageType returns 10.
func (*DeleteDataObjectsResponse) MessageType() int32 { return 10 }
