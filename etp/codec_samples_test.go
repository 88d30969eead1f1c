package etp

import "math"

// sample is a named, non-trivial body of one message type.
type sample struct {
	name string
	body Message
}

func ptr[T any](v T) *T { return &v }

// allDataValues holds every DataValue branch (19), for maps of capabilities.
func allDataValues() map[string]DataValue {
	return map[string]DataValue{
		"null":           nil,
		"bool":           Bool(true),
		"int":            Int(-7),
		"long":           Long(16777216),
		"float":          Float(float32(math.Inf(-1))),
		"double":         Double(-0.5),
		"string":         String("Bearer authz_server=\"https://login.example\""),
		"arrayOfBoolean": ArrayOfBoolean{Values: []bool{true, false, true}},
		"arrayOfNullableBoolean": ArrayOfNullableBoolean{
			Values: []*bool{ptr(true), nil, ptr(false)}},
		"arrayOfInt":         ArrayOfInt{Values: []int32{math.MinInt32, 0, math.MaxInt32}},
		"arrayOfNullableInt": ArrayOfNullableInt{Values: []*int32{nil, ptr(int32(-1)), ptr(int32(300))}},
		"arrayOfLong":        ArrayOfLong{Values: []int64{math.MinInt64, -1, math.MaxInt64}},
		"arrayOfNullableLong": ArrayOfNullableLong{
			Values: []*int64{ptr(int64(1) << 40), nil}},
		"arrayOfFloat":  ArrayOfFloat{Values: []float32{1.5, float32(math.Copysign(0, -1)), 3e38}},
		"arrayOfDouble": Doubles(math.Pi, math.Inf(1), -1e-300),
		"arrayOfString": Strings("legaltag-1", "", "ünïcödé"),
		"arrayOfBytes":  ArrayOfBytes{Values: [][]byte{{0, 1, 2}, {0xff}}},
		"bytes":         Bytes{0xde, 0xad, 0xbe, 0xef},
		"anySparseArray": AnySparseArray{Slices: []AnySubarray{
			{Start: 0, Slice: DoubleArray([]float64{1, 2})},
			{Start: 100, Slice: LongArray([]int64{-5, 1 << 50})},
			{Start: 200, Slice: StringArray([]string{"a", "b"})},
		}},
	}
}

// allAnyArrays holds every AnyArray branch, an empty one and a long one.
func allAnyArrays() map[string]AnyArray {
	longDoubles := make([]float64, 300)
	for i := range longDoubles {
		longDoubles[i] = float64(i) * 0.25
	}
	return map[string]AnyArray{
		"bool":   BoolArray([]bool{true, false, false, true}),
		"int":    IntArray([]int32{0, -1, 1, 63, -64, 64, math.MaxInt32, math.MinInt32}),
		"long":   LongArray([]int64{0, -1, 1 << 35, math.MinInt64, math.MaxInt64}),
		"float":  FloatArray([]float32{1, -2.5, float32(math.Inf(1))}),
		"double": DoubleArray(longDoubles),
		"string": StringArray([]string{"x", "", "yz"}),
		"bytes":  BytesArray([]byte{1, 2, 3, 0, 255}),
		"empty":  DoubleArray(nil),
	}
}

func sampleCaps() map[string]DataValue {
	return map[string]DataValue{
		"MaxWebSocketMessagePayloadSize": Long(16777216),
		"MaxWebSocketFramePayloadSize":   Int(4194304),
		"SupportsAlternateRequestUris":   Bool(false),
	}
}

func sampleResource(i int) Resource {
	r := Resource{
		URI:            "eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)",
		AlternateURIs:  []string{"eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation", "alt"},
		Name:           "Horizon " + string(rune('A'+i)),
		LastChanged:    1700000000000000 + int64(i),
		StoreLastWrite: 1700000000000001,
		StoreCreated:   1600000000000000,
		ActiveStatus:   ActiveStatusInactive,
		CustomData:     map[string]DataValue{"k1": String("v"), "k2": Long(int64(i))},
	}
	if i%2 == 0 {
		r.SourceCount, r.TargetCount = ptr(int32(3)), ptr(int32(0))
	}
	return r
}

func sampleDataspace(path string) Dataspace {
	return Dataspace{
		URI:            DataspaceURI(path),
		Path:           path,
		StoreLastWrite: 1700000000000000,
		StoreCreated:   1600000000000000,
		CustomData: map[string]DataValue{
			"legaltags": Strings("opendes-public"),
			"owners":    Strings("a@example.com", "b@example.com"),
		},
	}
}

func sampleUID(path string) DataArrayIdentifier {
	return DataArrayIdentifier{
		URI:            "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(0b7a8f1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b)",
		PathInResource: path,
	}
}

func sampleMetadata() DataArrayMetadata {
	return DataArrayMetadata{
		Dimensions:                  []int64{100, 200, 3},
		PreferredSubarrayDimensions: []int64{10, 200, 3},
		TransportArrayType:          AnyArrayDouble,
		LogicalArrayType:            LogicalArrayDouble64LE,
		StoreLastWrite:              1700000000000000,
		StoreCreated:                1600000000000000,
		CustomData:                  map[string]DataValue{"unit": String("m"), "scale": Double(0.3048)},
	}
}

var (
	sampleUUID1 = UUID{0x8b, 0x0f, 0x2a, 0x3c, 0x4d, 0x5e, 0x46, 0x7f, 0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7}
	sampleUUID2 = UUID{0x49, 0xe4, 0xc1, 0xe1, 0x89, 0x1c, 0x11, 0xee, 0xa6, 0x55, 0x4d, 0xa4, 0xd0, 0xf4, 0x5a, 0x8a}
)

// sampleBodies returns one non-trivial value of every message type: every
// field set, maps with several entries, every DataValue branch (in
// RequestSession.EndpointCapabilities) and every AnyArray branch (in
// GetDataArraysResponse and elsewhere).
func sampleBodies() []sample {
	arrays := allAnyArrays()
	dataArrays := map[string]DataArray{}
	for k, a := range arrays {
		dataArrays[k] = DataArray{Dimensions: []int64{int64(a.Len())}, Data: a}
	}
	protocols := []SupportedProtocol{
		{Protocol: 9, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store",
			ProtocolCapabilities: map[string]DataValue{"MaxDataArraySize": Long(1 << 30), "MaxResponseCount": Int(1000)}},
		{Protocol: 4, ProtocolVersion: Version{1, 2, 3, 4}, Role: "store"},
	}
	dataObjects := []SupportedDataObject{
		{QualifiedType: "resqml20.*", DataObjectCapabilities: map[string]DataValue{
			"SupportsGet": Bool(true), "SupportsPut": Bool(true), "SupportsDelete": Bool(false)}},
		{QualifiedType: "eml20.obj_EpcExternalPartReference"},
	}
	return []sample{
		{"RequestSession", &RequestSession{
			ApplicationName: "etp-transfer", ApplicationVersion: "1.0.0", ClientInstanceID: sampleUUID1,
			RequestedProtocols: protocols, SupportedDataObjects: dataObjects,
			SupportedCompression: []string{"gzip", "x"}, SupportedFormats: []string{"xml", "json"},
			CurrentDateTime: 1700000000000000, EarliestRetainedChangeTime: 1, ServerAuthorizationRequired: true,
			EndpointCapabilities: allDataValues(),
		}},
		{"OpenSession", &OpenSession{
			ApplicationName: "etp-server", ApplicationVersion: "2", ServerInstanceID: sampleUUID2,
			SupportedProtocols: protocols, SupportedDataObjects: dataObjects, SupportedCompression: "gzip",
			SupportedFormats: []string{"xml"}, CurrentDateTime: 1700000000000123, EarliestRetainedChangeTime: 99,
			SessionID: sampleUUID1, EndpointCapabilities: sampleCaps(),
		}},
		{"CloseSession", &CloseSession{Reason: "done"}},
		{"Authorize", &Authorize{Authorization: "Bearer eyJhbGciOi", SupplementalAuthorization: map[string]string{
			"data-partition-id": "opendes", "x": "y"}}},
		{"AuthorizeResponse", &AuthorizeResponse{Success: false, Challenges: []string{"Bearer realm=\"x\"", "Basic"}}},
		{"Ping", &Ping{CurrentDateTime: 1700000000000000}},
		{"Pong", &Pong{CurrentDateTime: -1}},
		{"ProtocolException", &ProtocolException{
			Error:  &ErrorInfo{Message: "partial failure", Code: EInvalidArgument},
			Errors: map[string]ErrorInfo{"0": {"not found", ENotFound}, "1": {"bad uri", EInvalidURI}, "z": {"x", 4003}},
		}},
		{"Acknowledge", &Acknowledge{}},

		{"GetResources", &GetResources{
			Context: ContextInfo{URI: DataspaceURI("demo"), Depth: 2, DataObjectTypes: []string{"resqml20.*", "eml20.*"},
				NavigableEdges: RelationshipBoth, IncludeSecondaryTargets: true, IncludeSecondarySources: true},
			Scope: ContextScopeTargetsOrSelf, CountObjects: true, StoreLastWriteFilter: ptr(int64(1700000000000000)),
			ActiveStatusFilter: ptr(ActiveStatusInactive), IncludeEdges: true,
		}},
		{"GetResourcesResponse", &GetResourcesResponse{Resources: []Resource{sampleResource(0), sampleResource(1)}}},
		{"GetDeletedResources", &GetDeletedResources{DataspaceURI: DataspaceURI("demo"),
			DeleteTimeFilter: ptr(int64(5)), DataObjectTypes: []string{"resqml20.obj_Grid2dRepresentation"}}},
		{"GetDeletedResourcesResponse", &GetDeletedResourcesResponse{DeletedResources: []DeletedResource{
			{URI: "eml:///witsml21.Well(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)", DeletedTime: 12,
				CustomData: map[string]DataValue{"a": Bool(true), "b": nil}},
			{URI: "eml:///x", DeletedTime: 13},
		}}},
		{"GetResourcesEdgesResponse", &GetResourcesEdgesResponse{Edges: []Edge{
			{SourceURI: "eml:///a", TargetURI: "eml:///b", RelationshipKind: RelationshipSecondary,
				CustomData: map[string]DataValue{"w": Double(1), "v": Int(2)}},
			{SourceURI: "eml:///c", TargetURI: "eml:///d", RelationshipKind: RelationshipPrimary},
		}}},

		{"GetDataObjects", &GetDataObjects{URIs: map[string]string{"0": "eml:///a", "1": "eml:///b"}, Format: "xml"}},
		{"PutDataObjects", &PutDataObjects{DataObjects: map[string]DataObject{
			"0": {Resource: sampleResource(0), Format: "xml", Data: []byte("<Grid2dRepresentation/>")},
			"1": {Resource: sampleResource(1), Format: "xml", BlobID: ptr(sampleUUID2)},
		}, PruneContainedObjects: true}},
		{"DeleteDataObjects", &DeleteDataObjects{URIs: map[string]string{"a": "eml:///a", "b": "eml:///b"},
			PruneContainedObjects: true}},
		{"GetDataObjectsResponse", &GetDataObjectsResponse{DataObjects: map[string]DataObject{
			"0": {Resource: sampleResource(2), Format: "json", Data: []byte(`{"a":1}`)},
			"1": {Resource: sampleResource(3), Format: "xml", BlobID: ptr(sampleUUID1)},
		}}},
		{"Chunk", &Chunk{BlobID: sampleUUID1, Data: []byte("<part of a large object>"), Final: true}},
		{"PutDataObjectsResponse", &PutDataObjectsResponse{Success: map[string]PutResponse{
			"0": {CreatedContainedObjectURIs: []string{"eml:///c1"}, DeletedContainedObjectURIs: []string{"eml:///d1", "eml:///d2"},
				JoinedContainedObjectURIs: []string{"eml:///j"}, UnjoinedContainedObjectURIs: []string{"eml:///u"}},
			"1": {},
		}}},
		{"DeleteDataObjectsResponse", &DeleteDataObjectsResponse{DeletedURIs: map[string]ArrayOfString{
			"a": Strings("eml:///a", "eml:///a/child"), "b": Strings(),
		}}},

		{"GetDataArraysResponse", &GetDataArraysResponse{DataArrays: dataArrays}},
		{"GetDataArrays", &GetDataArrays{DataArrays: map[string]DataArrayIdentifier{
			"0": sampleUID("/RESQML/a/points_patch0"), "1": sampleUID("/RESQML/b/values")}}},
		{"GetDataSubarrays", &GetDataSubarrays{DataSubarrays: map[string]GetDataSubarraysType{
			"0": {UID: sampleUID("/p0"), Starts: []int64{0, 0}, Counts: []int64{10, 200}},
			"1": {UID: sampleUID("/p1"), Starts: []int64{10, 0}, Counts: []int64{5, 1 << 33}},
		}}},
		{"PutDataArrays", &PutDataArrays{DataArrays: map[string]PutDataArraysType{
			"0": {UID: sampleUID("/a"), Array: DataArray{Dimensions: []int64{2, 2}, Data: FloatArray([]float32{1, 2, 3, 4})},
				CustomData: map[string]DataValue{"x": Long(1), "y": Strings("z")}},
			"1": {UID: sampleUID("/b"), Array: DataArray{Dimensions: []int64{3}, Data: BoolArray([]bool{true, true, false})}},
			"2": {UID: sampleUID("/c"), Array: DataArray{Dimensions: []int64{2}, Data: StringArray([]string{"p", "q"})}},
		}}},
		{"PutDataSubarrays", &PutDataSubarrays{DataSubarrays: map[string]PutDataSubarraysType{
			"0": {UID: sampleUID("/a"), Data: DoubleArray([]float64{1, 2, 3, 4, 5, 6}), Starts: []int64{0, 0}, Counts: []int64{2, 3}},
			"1": {UID: sampleUID("/b"), Data: IntArray([]int32{-1, 1}), Starts: []int64{4}, Counts: []int64{2}},
			"2": {UID: sampleUID("/c"), Data: LongArray([]int64{1 << 40}), Starts: []int64{7}, Counts: []int64{1}},
			"3": {UID: sampleUID("/d"), Data: BytesArray([]byte{9, 8, 7}), Starts: []int64{0}, Counts: []int64{3}},
		}}},
		{"GetDataArrayMetadata", &GetDataArrayMetadata{DataArrays: map[string]DataArrayIdentifier{
			"0": sampleUID("/x"), "1": sampleUID("/y")}}},
		{"GetDataArrayMetadataResponse", &GetDataArrayMetadataResponse{ArrayMetadata: map[string]DataArrayMetadata{
			"0": sampleMetadata(),
			"1": {Dimensions: []int64{5}, TransportArrayType: AnyArrayBytes, LogicalArrayType: LogicalArrayUInt8},
		}}},
		{"GetDataSubarraysResponse", &GetDataSubarraysResponse{DataSubarrays: map[string]DataArray{
			"0": {Dimensions: []int64{2, 3}, Data: DoubleArray([]float64{1, 2, 3, 4, 5, 6})},
			"1": {Dimensions: []int64{2}, Data: IntArray([]int32{7, -7})},
		}}},
		{"PutUninitializedDataArrays", &PutUninitializedDataArrays{DataArrays: map[string]PutUninitializedDataArrayType{
			"0": {UID: sampleUID("/big"), Metadata: sampleMetadata()},
			"1": {UID: sampleUID("/small"), Metadata: DataArrayMetadata{Dimensions: []int64{1}, TransportArrayType: AnyArrayLong,
				LogicalArrayType: LogicalArrayInt64LE}},
		}}},
		{"PutDataArraysResponse", &PutDataArraysResponse{Success: map[string]string{"0": "", "1": "ok"}}},
		{"PutDataSubarraysResponse", &PutDataSubarraysResponse{Success: map[string]string{"0": "", "1": ""}}},
		{"PutUninitializedDataArraysResponse", &PutUninitializedDataArraysResponse{Success: map[string]string{"a": "", "b": "c"}}},

		{"StartTransaction", &StartTransaction{ReadOnly: true, Message: "upload", DataspaceURIs: []string{
			DataspaceURI("demo"), DataspaceURI("other")}}},
		{"StartTransactionResponse", &StartTransactionResponse{TransactionUUID: sampleUUID1, Successful: false, FailureReason: "locked"}},
		{"CommitTransaction", &CommitTransaction{TransactionUUID: sampleUUID2}},
		{"RollbackTransaction", &RollbackTransaction{TransactionUUID: sampleUUID1}},
		{"CommitTransactionResponse", &CommitTransactionResponse{TransactionUUID: sampleUUID2, Successful: true}},
		{"RollbackTransactionResponse", &RollbackTransactionResponse{TransactionUUID: sampleUUID1, Successful: false,
			FailureReason: "no transaction"}},

		{"GetDataspaces", &GetDataspaces{StoreLastWriteFilter: ptr(int64(1700000000000000))}},
		{"GetDataspacesResponse", &GetDataspacesResponse{Dataspaces: []Dataspace{sampleDataspace("demo"), sampleDataspace("a'b")}}},
		{"PutDataspaces", &PutDataspaces{Dataspaces: map[string]Dataspace{"0": sampleDataspace("demo"), "1": sampleDataspace("x/y")}}},
		{"DeleteDataspaces", &DeleteDataspaces{URIs: map[string]string{"0": DataspaceURI("demo"), "1": DataspaceURI("x")}}},
		{"DeleteDataspacesResponse", &DeleteDataspacesResponse{Success: map[string]string{"0": "", "1": ""}}},
		{"PutDataspacesResponse", &PutDataspacesResponse{Success: map[string]string{"0": "", "1": "created"}}},
	}
}

// namedRecord is a sample of a record of Energistics.Etp.v12.Datatypes that
// may travel on its own.
type namedRecord struct {
	name  string
	value Record
}

func sampleRecords() []namedRecord {
	return []namedRecord{
		{"MessageHeader", &MessageHeader{Protocol: 9, MessageType: 8, CorrelationID: 1 << 40, MessageID: -3,
			MessageFlags: FlagFinalPart | FlagCompressed | FlagHasHeaderExtension}},
		{"MessageHeaderExtension", &MessageHeaderExtension{Extension: allDataValues()}},
		{"ServerCapabilities", &ServerCapabilities{
			ApplicationName: "etp-server", ApplicationVersion: "1.2.3",
			ContactInformation:   Contact{OrganizationName: "org", ContactName: "n", ContactPhone: "+1", ContactEmail: "a@b"},
			SupportedCompression: []string{"gzip"}, SupportedEncodings: []string{"binary"},
			SupportedFormats: []string{"xml", "json"},
			SupportedDataObjects: []SupportedDataObject{{QualifiedType: "resqml20.*",
				DataObjectCapabilities: map[string]DataValue{"SupportsGet": Bool(true), "MaxDataObjectSize": Long(1e8)}}},
			SupportedProtocols: []SupportedProtocol{{Protocol: 3, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store"},
				{Protocol: 24, ProtocolVersion: Version{1, 2, 0, 0}, Role: "store"}},
			EndpointCapabilities: sampleCaps(),
		}},
		{"AnyArray", &AnyArray{Type: AnyArrayLong, Longs: []int64{1, -2, 3}}},
		{"AnySparseArray", &AnySparseArray{Slices: []AnySubarray{{Start: 5, Slice: BoolArray([]bool{true})}}}},
	}
}
