package etp

// DataArray protocol (9) message bodies (BRIEF 5.1). Requests are single
// messages; every response may be multipart. Note the numbering: the response
// GetDataArraysResponse is 1 and the request GetDataArrays is 2.

// GetDataArraysResponse (DataArray 1): whole arrays by request key.
type GetDataArraysResponse struct {
	DataArrays map[string]DataArray
}

// GetDataArrays (DataArray 2) asks for whole arrays.
type GetDataArrays struct {
	DataArrays map[string]DataArrayIdentifier
}

// GetDataSubarrays (DataArray 3) asks for blocks of arrays.
type GetDataSubarrays struct {
	DataSubarrays map[string]GetDataSubarraysType
}

// PutDataArrays (DataArray 4) writes whole arrays.
type PutDataArrays struct {
	DataArrays map[string]PutDataArraysType
}

// PutDataSubarrays (DataArray 5) writes blocks of arrays allocated with
// PutUninitializedDataArrays.
type PutDataSubarrays struct {
	DataSubarrays map[string]PutDataSubarraysType
}

// GetDataArrayMetadata (DataArray 6) asks for dimensions and types.
type GetDataArrayMetadata struct {
	DataArrays map[string]DataArrayIdentifier
}

// GetDataArrayMetadataResponse (DataArray 7).
type GetDataArrayMetadataResponse struct {
	ArrayMetadata map[string]DataArrayMetadata
}

// GetDataSubarraysResponse (DataArray 8): each DataArray has Dimensions equal
// to the requested counts.
type GetDataSubarraysResponse struct {
	DataSubarrays map[string]DataArray
}

// PutUninitializedDataArrays (DataArray 9) allocates arrays.
type PutUninitializedDataArrays struct {
	DataArrays map[string]PutUninitializedDataArrayType
}

// PutDataArraysResponse (DataArray 10): the presence of a key is its success.
type PutDataArraysResponse struct {
	Success map[string]string
}

// PutDataSubarraysResponse (DataArray 11).
type PutDataSubarraysResponse struct {
	Success map[string]string
}

// PutUninitializedDataArraysResponse (DataArray 12).
type PutUninitializedDataArraysResponse struct {
	Success map[string]string
}

// MessageProtocol returns ProtocolDataArray.
func (*GetDataArraysResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*GetDataArrays) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*GetDataSubarrays) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutDataArrays) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutDataSubarrays) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*GetDataArrayMetadata) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*GetDataArrayMetadataResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*GetDataSubarraysResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutUninitializedDataArrays) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutDataArraysResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutDataSubarraysResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageProtocol returns ProtocolDataArray.
func (*PutUninitializedDataArraysResponse) MessageProtocol() Protocol { return ProtocolDataArray }

// MessageType returns 1.
func (*GetDataArraysResponse) MessageType() int32 { return 1 }

// MessageType returns 2.
func (*GetDataArrays) MessageType() int32 { return 2 }

// MessageType returns 3.
func (*GetDataSubarrays) MessageType() int32 { return 3 }

// MessageType returns 4.
func (*PutDataArrays) MessageType() int32 { return 4 }

// MessageType returns 5.
func (*PutDataSubarrays) MessageType() int32 { return 5 }

// MessageType returns 6.
func (*GetDataArrayMetadata) MessageType() int32 { return 6 }

// MessageType returns 7.
func (*GetDataArrayMetadataResponse) MessageType() int32 { return 7 }

// MessageType returns 8.
func (*GetDataSubarraysResponse) MessageType() int32 { return 8 }

// MessageType returns 9.
func (*PutUninitializedDataArrays) MessageType() int32 { return 9 }

// MessageType returns 10.
func (*PutDataArraysResponse) MessageType() int32 { return 10 }

// MessageType returns 11.
func (*PutDataSubarraysResponse) MessageType() int32 { return 11 }

// MessageType returns 12.
func (*PutUninitializedDataArraysResponse) MessageType() int32 { return 12 }
