package etp

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Sentinel errors of the session. They are few on purpose: each names a
// condition a caller branches on. Errors returned by Session methods wrap them
// (test with errors.Is) and add what failed.
var (
	// ErrSessionClosed is wrapped by every error of a request that failed
	// because the session ended: Close was called, the server sent
	// CloseSession, the connection dropped or the server sent a malformed
	// message. The wrapping error says which; Session.Err returns it.
	ErrSessionClosed = errors.New("etp: session closed")

	// ErrMessageTooLarge is wrapped when a message would exceed the
	// negotiated session limit (MaxWebSocketMessagePayloadSize, BRIEF 2.9)
	// and was therefore not sent, when the server sent a message larger than
	// that limit, and when a response exceeds SessionOptions.MaxResponseSize
	// or MaxDataObjectSize. The wrapping error gives the size and the limit.
	ErrMessageTooLarge = errors.New("etp: message too large")

	// ErrProtocolNotNegotiated is wrapped when a message of a protocol the
	// server did not accept in OpenSession was about to be sent; nothing was
	// sent (BRIEF 3.2).
	ErrProtocolNotNegotiated = errors.New("etp: protocol not negotiated")

	// ErrTransactionFailed is wrapped when a Transaction response reports
	// successful=false; the wrapping error carries the server's
	// failureReason (BRIEF 6.4). A ProtocolException answer is a
	// *ProtocolError instead.
	ErrTransactionFailed = errors.New("etp: transaction failed")
)

// ProtocolError is an error reported by the server in a ProtocolException
// (BRIEF 4.3, section 7): either the whole request failed (the exception's
// error field) or one key of a map request did (an entry of its errors map).
// Code is passed through as sent, including codes this package does not know.
type ProtocolError struct {
	Code    ErrorCode
	Message string
}

// Error formats the error as "etp: ENOT_FOUND (11): no such array".
func (e *ProtocolError) Error() string {
	var b strings.Builder
	b.WriteString("etp: ")
	b.WriteString(e.Code.String())
	b.WriteString(" (")
	b.WriteString(strconv.FormatInt(int64(e.Code), 10))
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

func newProtocolError(info ErrorInfo) *ProtocolError {
	return &ProtocolError{Code: info.Code, Message: info.Message}
}

// CodeOf returns the ErrorCode of the first *ProtocolError in err's chain
// (found with errors.As, so wrapped errors, KeyErrors and errors.Join values
// work), or -1 when the chain holds none: the failure did not come from the
// server's ProtocolException (a transport error, a timeout, a local check).
// A server may legitimately send code 0 ("unset"), which is returned as is.
func CodeOf(err error) ErrorCode {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return -1
}

// KeyErrors is the error returned by the map requests of Session
// (GetDataObjects, PutDataSubarrays, ...) when one or more keys failed: key to
// the server's error for that key (BRIEF 4.3). The same map is in the
// result's Errors field, next to the successes.
//
// Unwrap exposes the entries in key order, so errors.As finds a
// *ProtocolError and CodeOf returns the code of the first failed key.
type KeyErrors map[string]*ProtocolError

// Error lists the number of failed keys and the first few, in key order, e.g.
// `etp: 2 of the request's keys failed: "a": etp: ENOT_FOUND (11): no such
// array; "b": ...`. It is bounded in length whatever the number of keys.
func (e KeyErrors) Error() string {
	const shown = 3
	keys := e.keys()
	var b strings.Builder
	if len(keys) == 1 {
		b.WriteString("etp: 1 of the request's keys failed: ")
	} else {
		fmt.Fprintf(&b, "etp: %d of the request's keys failed: ", len(keys))
	}
	for i, k := range keys {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(keys)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%q: %v", truncate(k, 200), e[k])
	}
	return b.String()
}

// Unwrap returns the per-key errors in key order.
func (e KeyErrors) Unwrap() []error {
	keys := e.keys()
	errs := make([]error, 0, len(keys))
	for _, k := range keys {
		if pe := e[k]; pe != nil {
			errs = append(errs, pe)
		}
	}
	return errs
}

func (e KeyErrors) keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MapResult is the result of a map request (BRIEF 4.3): every key of the
// request ends up in exactly one of Success (the server's value for that key)
// and Errors (why that key failed). A key the server answered neither way is
// reported in Errors with Code 0 and a message saying so, so a write is never
// assumed to have succeeded silently.
//
// The methods that return a *MapResult also return a non-nil KeyErrors error
// (the same map as Errors) when any key failed, so a caller that only checks
// err cannot miss a failure, and one that wants the details reads the result.
type MapResult[T any] struct {
	Success map[string]T
	Errors  map[string]*ProtocolError
}

// Err returns Errors as a KeyErrors error, or nil when no key failed.
func (r *MapResult[T]) Err() error {
	if r == nil || len(r.Errors) == 0 {
		return nil
	}
	return KeyErrors(r.Errors)
}

// truncate shortens s for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
