package transfer

import (
	"context"
	"fmt"
	"strconv"

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

// PutDataSubarrays implements Client: one request, the blocks under keys
// "0", "1", ...; the first failed key (in block order) is the error.
func (c SessionClient) PutDataSubarrays(ctx context.Context, id etp.DataArrayIdentifier, blocks []Subarray) error {
	req := make(map[string]etp.PutDataSubarraysType, len(blocks))
	for i := range blocks {
		req[strconv.Itoa(i)] = etp.PutDataSubarraysType{UID: id, Data: blocks[i].Data, Starts: blocks[i].Starts, Counts: blocks[i].Counts}
	}
	res, err := c.Session.PutDataSubarrays(ctx, req)
	return each(res, err, len(blocks), func(int, string) {})
}

// each checks that every block's key of a multi-block request succeeded,
// calling ok for each success, and returns the first failure in block order.
func each[T any](res *etp.MapResult[T], err error, n int, ok func(i int, key string)) error {
	if res == nil {
		return err
	}
	for i := range n {
		k := strconv.Itoa(i)
		if pe := res.Errors[k]; pe != nil {
			return fmt.Errorf("block %d of the request: %w", i, pe)
		}
		if _, found := res.Success[k]; !found {
			if err != nil {
				return err
			}
			return fmt.Errorf("the store's response does not mention block %d of the request", i)
		}
		ok(i, k)
	}
	return nil
}

// GetDataArray implements Client.
func (c SessionClient) GetDataArray(ctx context.Context, id etp.DataArrayIdentifier, dst *etp.AnyArray) error {
	a, err := one(c.Session.GetDataArrays(ctx, map[string]etp.DataArrayIdentifier{key: id}))
	if err == nil {
		*dst = a.Data
	}
	return err
}

// GetDataSubarrays implements Client: one request for all blocks, decoded
// into the blocks' own buffers when they are large enough, so a worker that
// reads blocks of one shape allocates nothing per request.
func (c SessionClient) GetDataSubarrays(ctx context.Context, id etp.DataArrayIdentifier, blocks []Subarray) error {
	req := make(map[string]etp.GetDataSubarraysType, len(blocks))
	into := &etp.GetDataSubarraysResponse{DataSubarrays: make(map[string]etp.DataArray, len(blocks))}
	for i := range blocks {
		k := strconv.Itoa(i)
		req[k] = etp.GetDataSubarraysType{UID: id, Starts: blocks[i].Starts, Counts: blocks[i].Counts}
		into.DataSubarrays[k] = etp.DataArray{Data: blocks[i].Data}
	}
	res, err := c.Session.GetDataSubarraysInto(ctx, req, into)
	return each(res, err, len(blocks), func(i int, k string) { blocks[i].Data = res.Success[k].Data })
}
