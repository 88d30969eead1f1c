package etp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Store protocol (4) requests (BRIEF 6.2).

// GetDataObjects reads data objects in format "xml": uris maps caller-chosen
// keys to data-object URIs. Objects the store sends in Store Chunk parts
// (DataObject with a blobId, then Chunks) are reassembled by blobId, so every
// returned DataObject has its Data and a nil BlobID. A reassembled object
// larger than SessionOptions.MaxDataObjectSize fails its key with
// EMAXSIZE_EXCEEDED, one whose chunks did not all arrive with Code 0. Results
// and errors per key: see MapResult. Safe for concurrent use.
func (s *Session) GetDataObjects(ctx context.Context, uris map[string]string) (*MapResult[DataObject], error) {
	res := &MapResult[DataObject]{Success: map[string]DataObject{}, Errors: map[string]*ProtocolError{}}
	if len(uris) == 0 {
		return res, nil
	}
	const name = "GetDataObjects"
	resp, err := s.requestParts(ctx, []Message{&GetDataObjects{URIs: uris, Format: "xml"}}, requestOptions{})
	if err != nil {
		return nil, err
	}
	type blob struct {
		data     []byte
		final    bool
		tooLarge bool
	}
	blobs := map[UUID]*blob{}
	for _, part := range resp.Parts {
		switch b := part.Body.(type) {
		case *GetDataObjectsResponse:
			for k, obj := range b.DataObjects {
				if _, dup := res.Success[k]; !dup {
					res.Success[k] = obj
				}
				if obj.BlobID != nil && blobs[*obj.BlobID] == nil {
					blobs[*obj.BlobID] = &blob{}
				}
			}
		case *Chunk:
			bl := blobs[b.BlobID]
			if bl == nil {
				// A chunk may precede the object that names its blob.
				bl = &blob{}
				blobs[b.BlobID] = bl
			}
			switch {
			case bl.final:
				s.log.Warn("etp: chunk after the final chunk of its blob; ignored", "blobId", b.BlobID.String())
			case bl.tooLarge:
			case int64(len(bl.data))+int64(len(b.Data)) > s.opts.MaxDataObjectSize:
				bl.tooLarge, bl.data = true, nil
			default:
				bl.data = append(bl.data, b.Data...)
				bl.final = b.Final
			}
			if b.Final {
				bl.final = true
			}
		case *ProtocolException:
			for k, info := range b.Errors {
				if _, dup := res.Errors[k]; !dup {
					res.Errors[k] = newProtocolError(info)
				}
			}
		default:
			return nil, unexpectedPart(name, part)
		}
	}
	for k, obj := range res.Success {
		if obj.BlobID == nil {
			continue
		}
		bl := blobs[*obj.BlobID]
		switch {
		case bl.tooLarge:
			res.Errors[k] = &ProtocolError{Code: EMaxSizeExceeded, Message: fmt.Sprintf(
				"the object's chunks exceed MaxDataObjectSize (%d bytes)", s.opts.MaxDataObjectSize)}
		case !bl.final:
			res.Errors[k] = &ProtocolError{Code: 0, Message: fmt.Sprintf(
				"the response ended before the final chunk of blob %s", obj.BlobID)}
		default:
			obj.Data = bl.data
			if obj.Data == nil {
				obj.Data = []byte{}
			}
			obj.BlobID = nil
			res.Success[k] = obj
		}
	}
	settleKeys(s, name, res, uris)
	return res, res.Err()
}

// PutDataObjects creates or replaces data objects, keyed by caller-chosen
// keys (Resource.URI the canonical URI, Format "xml", Data the XML). When the
// request does not fit one message, the largest objects are sent as a
// DataObject with a fresh blobId and empty Data, followed by Store Chunk parts
// of at most the session limit (and the server's MaxPartSize) in the same
// multipart request (BRIEF 6.2); the caller's map and objects are not
// modified. Multipart requests respect the server's MaxConcurrentMultipart.
// If ctx ends after the first part of a multipart request went out and before
// the last, the session ends too: the store would otherwise hold half a
// request. Results and errors per key: see MapResult. Safe for concurrent
// use.
func (s *Session) PutDataObjects(ctx context.Context, objects map[string]DataObject) (*MapResult[PutResponse], error) {
	parts, err := s.planPutDataObjects(objects)
	if err != nil {
		return nil, err
	}
	return mapRequestParts(ctx, s, parts, nil, objects,
		func(r *PutDataObjectsResponse) map[string]PutResponse { return r.Success })
}

// putOverhead is the room kept for the message header (at most 40 bytes) and
// a margin.
const putOverhead = 64

// planPutDataObjects builds the parts of a PutDataObjects request: one
// message when everything fits, else the objects with the most data move to
// chunks until the first message fits.
func (s *Session) planPutDataObjects(objects map[string]DataObject) ([]Message, error) {
	req := &PutDataObjects{DataObjects: make(map[string]DataObject, len(objects))}
	for k, obj := range objects {
		req.DataObjects[k] = obj
	}
	budget := s.limit - putOverhead
	size := int64(EncodedSize(req))
	if size <= budget {
		return []Message{req}, nil
	}
	keys := make([]string, 0, len(objects))
	for k := range objects {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(len(objects[b].Data), len(objects[a].Data)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	type blob struct {
		id   UUID
		data []byte
	}
	var blobs []blob
	for _, k := range keys {
		if size <= budget {
			break
		}
		obj := req.DataObjects[k]
		if len(obj.Data) == 0 {
			break // sorted: no data left to move
		}
		id := NewUUID()
		// data bytes (length + payload) become an empty bytes value (1 byte);
		// the blobId union switches from null to a 16-byte fixed.
		size += -int64(sizeLong(int64(len(obj.Data)))+len(obj.Data)) + 1 + 16
		blobs = append(blobs, blob{id: id, data: obj.Data})
		obj.Data = nil
		obj.BlobID = &id
		req.DataObjects[k] = obj
	}
	if size > budget {
		return nil, fmt.Errorf("%w: PutDataObjects: the objects' metadata alone takes %d bytes, more than the session "+
			"limit of %d bytes allows; send fewer objects per request", ErrMessageTooLarge, size, s.limit)
	}
	parts := []Message{req}
	chunk := s.maxChunk
	for _, b := range blobs {
		for off := 0; off < len(b.data); off += chunk {
			end := min(off+chunk, len(b.data))
			parts = append(parts, &Chunk{BlobID: b.id, Data: b.data[off:end], Final: end == len(b.data)})
		}
	}
	return parts, nil
}

// DeleteDataObjects deletes data objects: uris maps caller-chosen keys to
// data-object URIs. The result maps each key to every URI the store actually
// deleted for it (BRIEF 6.2). Results and errors per key: see MapResult.
func (s *Session) DeleteDataObjects(ctx context.Context, uris map[string]string) (*MapResult[[]string], error) {
	return mapRequest(ctx, s, &DeleteDataObjects{URIs: uris}, uris,
		func(r *DeleteDataObjectsResponse) map[string][]string {
			m := make(map[string][]string, len(r.DeletedURIs))
			for k, v := range r.DeletedURIs {
				m[k] = v.Values
			}
			return m
		})
}
