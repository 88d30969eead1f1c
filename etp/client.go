package etp

import (
	"context"
	"fmt"
)

// Typed requests shared helpers. Every typed method of Session is a thin
// wrapper over Request that builds the body, merges the parts of the
// response (BRIEF 4.2-4.3) and checks that each part has the expected type.

// noResultMessage is the message of the synthetic per-key error for a key the
// server answered neither with a success nor with an error.
const noResultMessage = "the server sent no result for this key"

// mapRequest sends the request parts (one message, or a multipart request),
// whose map has the keys of keys, and merges the
// positive responses of type R (their maps via extract) and the errors maps
// of every ProtocolException part. Keys the server did not answer become
// errors with Code 0; a key reported both as a success and as an error counts
// as an error. The error result is nil, the whole-request error, or the
// KeyErrors of the returned result.
func mapRequest[T any, R Message, V any](ctx context.Context, s *Session, req Message, keys map[string]V,
	extract func(R) map[string]T) (*MapResult[T], error) {
	return mapRequestParts(ctx, s, []Message{req}, nil, keys, extract)
}

func mapRequestParts[T any, R Message, V any](ctx context.Context, s *Session, parts []Message, into Message,
	keys map[string]V, extract func(R) map[string]T) (*MapResult[T], error) {
	res := &MapResult[T]{Success: map[string]T{}, Errors: map[string]*ProtocolError{}}
	if len(keys) == 0 {
		return res, nil
	}
	resp, err := s.requestParts(ctx, parts, requestOptions{into: into})
	if err != nil {
		return nil, err
	}
	name := messageName(parts[0])
	for _, part := range resp.Parts {
		switch b := part.Body.(type) {
		case *ProtocolException:
			for k, info := range b.Errors {
				if _, dup := res.Errors[k]; !dup {
					res.Errors[k] = newProtocolError(info)
				}
			}
		default:
			r, ok := part.Body.(R)
			if !ok {
				return nil, unexpectedPart(name, part)
			}
			for k, v := range extract(r) {
				if _, dup := res.Success[k]; !dup {
					res.Success[k] = v
				}
			}
		}
	}
	settleKeys(s, name, res, keys)
	return res, res.Err()
}

// settleKeys makes every request key appear exactly once in res.
func settleKeys[T any, V any](s *Session, name string, res *MapResult[T], keys map[string]V) {
	for k := range res.Errors {
		delete(res.Success, k)
	}
	for k := range res.Success {
		if _, ok := keys[k]; !ok {
			s.log.Warn("etp: response key that was not requested; ignored", "request", name, "key", truncate(k, 200))
			delete(res.Success, k)
		}
	}
	for k := range res.Errors {
		if _, ok := keys[k]; !ok {
			s.log.Warn("etp: error for a key that was not requested; ignored", "request", name, "key", truncate(k, 200),
				"error", res.Errors[k].Error())
			delete(res.Errors, k)
		}
	}
	for k := range keys {
		_, ok1 := res.Success[k]
		_, ok2 := res.Errors[k]
		if !ok1 && !ok2 {
			res.Errors[k] = &ProtocolError{Code: 0, Message: noResultMessage}
		}
	}
}

func unexpectedPart(request string, part ResponsePart) error {
	return fmt.Errorf("etp: %s: unexpected %s (%s) in the response", request, messageName(part.Body),
		part.Header.String())
}

// listRequest sends req and appends the items of every positive part of type
// R. A ProtocolException that ends the response (e.g. ERESPONSECOUNT_EXCEEDED
// when the server truncated the list at its MaxResponseCount, BRIEF 4.4) is
// returned as the error together with the items received before it.
func listRequest[T any, R Message](ctx context.Context, s *Session, req Message,
	extract func(R) []T) ([]T, error) {
	resp, err := s.Request(ctx, req)
	if resp == nil {
		return nil, err
	}
	name := messageName(req)
	var items []T
	for _, part := range resp.Parts {
		switch b := part.Body.(type) {
		case *ProtocolException:
			if err == nil && len(b.Errors) > 0 {
				err = fmt.Errorf("%s: %w", name, resp.KeyErrors())
			}
		default:
			r, ok := part.Body.(R)
			if !ok {
				return nil, unexpectedPart(name, part)
			}
			items = append(items, extract(r)...)
		}
	}
	return items, err
}

// singleRequest sends req and returns its one positive response of type R.
func singleRequest[R Message](ctx context.Context, s *Session, req Message) (R, error) {
	var zero R
	resp, err := s.Request(ctx, req)
	if err != nil {
		return zero, err
	}
	name := messageName(req)
	for _, part := range resp.Parts {
		if r, ok := part.Body.(R); ok {
			return r, nil
		}
		if _, ok := part.Body.(*ProtocolException); !ok {
			return zero, unexpectedPart(name, part)
		}
	}
	if ke := resp.KeyErrors(); len(ke) > 0 {
		return zero, fmt.Errorf("%s: %w", name, ke)
	}
	return zero, fmt.Errorf("etp: %s: the response holds no %s", name, messageName(zero))
}
