package transfer

import (
	"context"
	"fmt"

	"github.com/etp-transfer/etp-transfer/etp"
)

// SessionClient adapts an *etp.Session to Client: each call is one
// single-key DataArray request, and a per-key error from the store comes
// back as that key's *etp.ProtocolError.
type SessionClient struct {
	Session *etp.Session
}

var _ Client = SessionClient{}

// Limits returns the negotiated message limit, the store's MaxDataArraySize
// and whether gzip was negotiated.
func (c SessionClient) Limits() Limits {
	info := c.Session.Info()
	l := Limits{MaxMessageSize: info.MaxMessageSize, Compressed: info.Compression != ""}
	if v, ok := info.ProtocolCapabilityInt64(etp.ProtocolDataArray, "MaxDataArraySize"); ok && v > 0 {
		l.MaxDataArraySize = v
	}
	return l
}

// one returns the result for the single key of a map request.
func one[T any](res *etp.MapResult[T], err error) (T, error) {
	var zero T
	if res != nil {
		if pe := res.Errors[key]; pe != nil {
			return zero, pe
		}
		if v, ok := res.Success[key]; ok {
			return v, nil
		}
	}
	if err != nil {
		return zero, err
	}
	return zero, fmt.Errorf("the store's response does not mention the requested key")
}

// GetDataArrayMetadata implements Client.
func (c SessionClient) GetDataArrayMetadata(ctx context.Context, id etp.DataArrayIdentifier) (etp.DataArrayMetadata, error) {
	return one(c.Session.GetDataArrayMetadata(ctx, map[string]etp.DataArrayIdentifier{key: id}))
}

// PutDataArray implements Client.
func (c SessionClient) PutDataArray(ctx context.Context, id etp.DataArrayIdentifier, dims []int64, data *etp.AnyArray) error {
	_, err := one(c.Session.PutDataArrays(ctx, map[string]etp.PutDataArraysType{key: {
		UID: id, Array: etp.DataArray{Dimensions: dims, Data: *data}}}))
	return err
}

// PutUninitializedDataArray implements Client.
func (c SessionClient) PutUninitializedDataArray(ctx context.Context, id etp.DataArrayIdentifier, meta etp.DataArrayMetadata) error {
	_, err := one(c.Session.PutUninitializedDataArrays(ctx, map[string]etp.PutUninitializedDataArrayType{key: {
		UID: id, Metadata: meta}}))
	return err
}

// PutDataSubarray implements Client.
func (c SessionClient) PutDataSubarray(ctx context.Context, id etp.DataArrayIdentifier, starts, counts []int64, data *etp.AnyArray) error {
	_, err := one(c.Session.PutDataSubarrays(ctx, map[string]etp.PutDataSubarraysType{key: {
		UID: id, Data: *data, Starts: starts, Counts: counts}}))
	return err
}

// GetDataArray implements Client.
func (c SessionClient) GetDataArray(ctx context.Context, id etp.DataArrayIdentifier, dst *etp.AnyArray) error {
	a, err := one(c.Session.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{key: id}))
	if err == nil {
		*dst = a.Data
	}
	return err
}

// GetDataSubarray implements Client. The response is decoded into dst's
// buffers when they are large enough, so a worker that reads blocks of one
// shape allocates nothing per block.
func (c SessionClient) GetDataSubarray(ctx context.Context, id etp.DataArrayIdentifier, starts, counts []int64, dst *etp.AnyArray) error {
	into := &etp.GetDataSubarraysResponse{DataSubarrays: map[string]etp.DataArray{key: {Data: *dst}}}
	a, err := one(c.Session.GetDataSubarraysInto(ctx, map[string]etp.GetDataSubarraysType{key: {
		UID: id, Starts: starts, Counts: counts}}, into))
	if err == nil {
		*dst = a.Data
	}
	return err
}
