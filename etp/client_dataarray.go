package etp

import "context"

// DataArray protocol (9) requests (BRIEF section 5). Every request is a
// single message and may carry many keys; every response may be multipart
// and is merged by key. Each method returns a *MapResult with the successes
// and the per-key errors, and, when any key failed, the KeyErrors of the
// result as its error. An empty map sends nothing. A request whose encoded
// message exceeds the session limit is not sent (ErrMessageTooLarge): split it
// into several requests, or use subarrays. All methods are safe for
// concurrent use, so blocks can be moved by several goroutines at once over
// one session.

// GetDataArrayMetadata asks for the dimensions, types and preferred block
// shape of arrays, keyed by caller-chosen keys.
func (s *Session) GetDataArrayMetadata(ctx context.Context,
	uids map[string]DataArrayIdentifier) (*MapResult[DataArrayMetadata], error) {
	return mapRequest(ctx, s, &GetDataArrayMetadata{DataArrays: uids}, uids,
		func(r *GetDataArrayMetadataResponse) map[string]DataArrayMetadata { return r.ArrayMetadata })
}

// GetDataArrays reads whole arrays. A store answers an array too large for
// one message with EMAXSIZE_EXCEEDED for that key; read it with
// GetDataSubarrays instead.
func (s *Session) GetDataArrays(ctx context.Context, uids map[string]DataArrayIdentifier) (*MapResult[DataArray], error) {
	return mapRequest(ctx, s, &GetDataArrays{DataArrays: uids}, uids,
		func(r *GetDataArraysResponse) map[string]DataArray { return r.DataArrays })
}

// GetDataSubarrays reads blocks of arrays: each entry gives the array, the
// 0-based starts and the counts per dimension; the returned DataArray has
// Dimensions equal to the counts and the block's values in row-major order
// (BRIEF 5.3).
func (s *Session) GetDataSubarrays(ctx context.Context,
	subarrays map[string]GetDataSubarraysType) (*MapResult[DataArray], error) {
	return mapRequest(ctx, s, &GetDataSubarrays{DataSubarrays: subarrays}, subarrays,
		func(r *GetDataSubarraysResponse) map[string]DataArray { return r.DataSubarrays })
}

// GetDataSubarraysInto is GetDataSubarrays that decodes the response into
// dst, reusing its buffers: the slices of dst's entries whose keys come back
// again are overwritten in place when they are large enough, so a downloader
// that asks for blocks of the same shape under the same keys allocates
// nothing per block. The DataArrays of the result alias dst and stay valid
// until dst is used again. dst must not be used by another goroutine during
// the call; use one dst per goroutine. Only the first response part is
// decoded into dst (a store that splits the answer over several parts costs
// allocations for the others).
func (s *Session) GetDataSubarraysInto(ctx context.Context, subarrays map[string]GetDataSubarraysType,
	dst *GetDataSubarraysResponse) (*MapResult[DataArray], error) {
	if dst == nil {
		return s.GetDataSubarrays(ctx, subarrays)
	}
	return mapRequestParts(ctx, s, []Message{&GetDataSubarrays{DataSubarrays: subarrays}}, dst, subarrays,
		func(r *GetDataSubarraysResponse) map[string]DataArray { return r.DataSubarrays })
}

// PutDataArrays writes whole arrays (creating or replacing them). The result
// maps each successful key to the server's (usually empty) success string.
func (s *Session) PutDataArrays(ctx context.Context, arrays map[string]PutDataArraysType) (*MapResult[string], error) {
	return mapRequest(ctx, s, &PutDataArrays{DataArrays: arrays}, arrays,
		func(r *PutDataArraysResponse) map[string]string { return r.Success })
}

// PutUninitializedDataArrays allocates arrays to be written block by block
// with PutDataSubarrays; give the full metadata (dimensions, transport and
// logical types, times).
func (s *Session) PutUninitializedDataArrays(ctx context.Context,
	arrays map[string]PutUninitializedDataArrayType) (*MapResult[string], error) {
	return mapRequest(ctx, s, &PutUninitializedDataArrays{DataArrays: arrays}, arrays,
		func(r *PutUninitializedDataArraysResponse) map[string]string { return r.Success })
}

// PutDataSubarrays writes blocks of arrays allocated with
// PutUninitializedDataArrays; the product of each entry's Counts must equal
// its Data length.
func (s *Session) PutDataSubarrays(ctx context.Context,
	subarrays map[string]PutDataSubarraysType) (*MapResult[string], error) {
	return mapRequest(ctx, s, &PutDataSubarrays{DataSubarrays: subarrays}, subarrays,
		func(r *PutDataSubarraysResponse) map[string]string { return r.Success })
}
