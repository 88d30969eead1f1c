package server

import (
	"errors"
	"fmt"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

func errInfo(code etp.ErrorCode, format string, args ...any) *etp.ErrorInfo {
	return &etp.ErrorInfo{Code: code, Message: clipText(fmt.Sprintf(format, args...))}
}

// storageError maps a storage error to the ETP error of BRIEF 7 (the
// sentinel docs of package storage name the codes). Errors without a
// sentinel are internal failures: logged, and answered EINVALID_STATE (8),
// the generic failure code (BRIEF 3.2).
func (s *session) storageError(err error) *etp.ErrorInfo {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return errInfo(etp.ENotFound, "%v", err)
	case errors.Is(err, storage.ErrInvalid):
		return errInfo(etp.EInvalidArgument, "%v", err)
	case errors.Is(err, storage.ErrBusy):
		return errInfo(etp.ERequestDenied, "%v: the dataspace is held by a transaction of another session; retry later", err)
	case errors.Is(err, storage.ErrTooLarge):
		return errInfo(etp.EMaxSizeExceeded, "%v", err)
	case errors.Is(err, storage.ErrNotEmpty):
		return errInfo(etp.ERequestDenied, "%v", err)
	case errors.Is(err, storage.ErrUnsupported):
		return errInfo(etp.ENotSupported, "%v", err)
	case errors.Is(err, storage.ErrClosed):
		return errInfo(etp.EInvalidState, "%v: the transaction ended or the store is closing", err)
	}
	s.log.Error("etp/server: storage failure", "err", err)
	return errInfo(etp.EInvalidState, "internal storage error: %v", err)
}

// encodeCustomData serializes an ETP customData map for storage (nil when
// empty). The map is written as the Avro record MessageHeaderExtension,
// which is exactly one map<DataValue>.
func encodeCustomData(m map[string]etp.DataValue) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	return etp.AppendRecord(nil, &etp.MessageHeaderExtension{Extension: m})
}

// decodeCustomData is the inverse of encodeCustomData; it returns an empty
// map for nil or undecodable input.
func decodeCustomData(b []byte) map[string]etp.DataValue {
	if len(b) == 0 {
		return map[string]etp.DataValue{}
	}
	var ext etp.MessageHeaderExtension
	if _, err := etp.DecodeRecord(b, &ext); err != nil || ext.Extension == nil {
		return map[string]etp.DataValue{}
	}
	return ext.Extension
}
