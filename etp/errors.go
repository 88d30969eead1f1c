package etp

import "strconv"

// ErrorCode is the numeric code carried in ErrorInfo.Code of a ProtocolException
// (ETP 1.2, BRIEF section 7). Codes the package does not know are valid values:
// they must be passed through, never rejected, and print as "ErrorCode(n)".
type ErrorCode int32

// Error codes of ETP 1.2 (BRIEF section 7). The names are the spec names without
// the leading "E" turned into Go case; String returns the spec spelling.
const (
	ENoRole                     ErrorCode = 1    // ENOROLE: requested role not supported
	ENoSupportedProtocols       ErrorCode = 2    // ENOSUPPORTEDPROTOCOLS: none of the requested protocols supported
	EInvalidMessageType         ErrorCode = 3    // EINVALID_MESSAGETYPE: unknown message type or not receivable by this role
	EUnsupportedProtocol        ErrorCode = 4    // EUNSUPPORTED_PROTOCOL: protocol not supported or not negotiated
	EInvalidArgument            ErrorCode = 5    // EINVALID_ARGUMENT: logically invalid argument
	ERequestDenied              ErrorCode = 6    // EREQUEST_DENIED: request refused (permissions, read-only, ...)
	ENotSupported               ErrorCode = 7    // ENOTSUPPORTED: operation not supported
	EInvalidState               ErrorCode = 8    // EINVALID_STATE: message not allowed in the current state
	EInvalidURI                 ErrorCode = 9    // EINVALID_URI: malformed, non-canonical or inappropriate URI
	EAuthorizationExpired       ErrorCode = 10   // EAUTHORIZATION_EXPIRED: authorization expired, session ends
	ENotFound                   ErrorCode = 11   // ENOT_FOUND: resource, object, part, range or array not found
	ELimitExceeded              ErrorCode = 12   // ELIMIT_EXCEEDED: a stated limit exceeded (no more specific code)
	ECompressionNotSupported    ErrorCode = 13   // ECOMPRESSION_NOTSUPPORTED: compressed where forbidden / unsupported
	EInvalidObject              ErrorCode = 14   // EINVALID_OBJECT: invalid or malformed data object
	EMaxTransactionsExceeded    ErrorCode = 15   // EMAX_TRANSACTIONS_EXCEEDED: too many transactions in the session
	EDataObjectTypeNotSupported ErrorCode = 16   // EDATAOBJECTTYPE_NOTSUPPORTED: data-object type not supported/negotiated
	EMaxSizeExceeded            ErrorCode = 17   // EMAXSIZE_EXCEEDED: object, part, array or message size exceeded
	EMultipartCancelled         ErrorCode = 18   // EMULTIPART_CANCELLED: multipart message cancelled
	EInvalidMessage             ErrorCode = 19   // EINVALID_MESSAGE: header or body cannot be deserialized
	EInvalidIndexKind           ErrorCode = 20   // EINVALID_INDEXKIND: index kind invalid for the data
	ENoSupportedFormats         ErrorCode = 21   // ENOSUPPORTEDFORMATS: no common data-object format
	ERequestUUIDRejected        ErrorCode = 22   // EREQUESTUUID_REJECTED: client-chosen requestUuid rejected
	EUpdateGrowingObjectDenied  ErrorCode = 23   // EUPDATEGROWINGOBJECT_DENIED: growing object updated through Store
	EBackpressureLimitExceeded  ErrorCode = 24   // EBACKPRESSURE_LIMIT_EXCEEDED: sender's queues exhausted
	EBackpressureWarning        ErrorCode = 25   // EBACKPRESSURE_WARNING: back-pressure building
	ETimedOut                   ErrorCode = 26   // ETIMED_OUT: cancelled because a timeout passed
	EAuthorizationRequired      ErrorCode = 27   // EAUTHORIZATION_REQUIRED: authorization needed
	EAuthorizationExpiring      ErrorCode = 28   // EAUTHORIZATION_EXPIRING: authorization will expire soon
	ENoSupportedDataObjectTypes ErrorCode = 29   // ENOSUPPORTEDDATAOBJECTTYPES: no common data-object type
	EResponseCountExceeded      ErrorCode = 30   // ERESPONSECOUNT_EXCEEDED: response truncated at MaxResponseCount
	EInvalidAppend              ErrorCode = 31   // EINVALID_APPEND: ChannelData not appending
	EInvalidOperation           ErrorCode = 32   // EINVALID_OPERATION: requested operation invalid
	EInvalidChannelID           ErrorCode = 1002 // EINVALID_CHANNELID: channel id not valid in the session
	EUnsupportedObject          ErrorCode = 4001 // EUNSUPPORTED_OBJECT: older lists only
	ENoCascadeDelete            ErrorCode = 4003 // ENOCASCADE_DELETE: object has children the store cannot prune
	EPluralObject               ErrorCode = 4004 // EPLURAL_OBJECT: more than one object under a 1.x plural root
	EGrowingPortionIgnored      ErrorCode = 4005 // EGROWING_PORTION_IGNORED: older lists only
	ERetentionPeriodExceeded    ErrorCode = 5001 // ERETENTION_PERIOD_EXCEEDED: changes requested before retention
	ENotGrowingObject           ErrorCode = 6001 // ENOTGROWINGOBJECT: growing-object operation on a non-growing object
)

var errorCodeNames = map[ErrorCode]string{
	ENoRole:                     "ENOROLE",
	ENoSupportedProtocols:       "ENOSUPPORTEDPROTOCOLS",
	EInvalidMessageType:         "EINVALID_MESSAGETYPE",
	EUnsupportedProtocol:        "EUNSUPPORTED_PROTOCOL",
	EInvalidArgument:            "EINVALID_ARGUMENT",
	ERequestDenied:              "EREQUEST_DENIED",
	ENotSupported:               "ENOTSUPPORTED",
	EInvalidState:               "EINVALID_STATE",
	EInvalidURI:                 "EINVALID_URI",
	EAuthorizationExpired:       "EAUTHORIZATION_EXPIRED",
	ENotFound:                   "ENOT_FOUND",
	ELimitExceeded:              "ELIMIT_EXCEEDED",
	ECompressionNotSupported:    "ECOMPRESSION_NOTSUPPORTED",
	EInvalidObject:              "EINVALID_OBJECT",
	EMaxTransactionsExceeded:    "EMAX_TRANSACTIONS_EXCEEDED",
	EDataObjectTypeNotSupported: "EDATAOBJECTTYPE_NOTSUPPORTED",
	EMaxSizeExceeded:            "EMAXSIZE_EXCEEDED",
	EMultipartCancelled:         "EMULTIPART_CANCELLED",
	EInvalidMessage:             "EINVALID_MESSAGE",
	EInvalidIndexKind:           "EINVALID_INDEXKIND",
	ENoSupportedFormats:         "ENOSUPPORTEDFORMATS",
	ERequestUUIDRejected:        "EREQUESTUUID_REJECTED",
	EUpdateGrowingObjectDenied:  "EUPDATEGROWINGOBJECT_DENIED",
	EBackpressureLimitExceeded:  "EBACKPRESSURE_LIMIT_EXCEEDED",
	EBackpressureWarning:        "EBACKPRESSURE_WARNING",
	ETimedOut:                   "ETIMED_OUT",
	EAuthorizationRequired:      "EAUTHORIZATION_REQUIRED",
	EAuthorizationExpiring:      "EAUTHORIZATION_EXPIRING",
	ENoSupportedDataObjectTypes: "ENOSUPPORTEDDATAOBJECTTYPES",
	EResponseCountExceeded:      "ERESPONSECOUNT_EXCEEDED",
	EInvalidAppend:              "EINVALID_APPEND",
	EInvalidOperation:           "EINVALID_OPERATION",
	EInvalidChannelID:           "EINVALID_CHANNELID",
	EUnsupportedObject:          "EUNSUPPORTED_OBJECT",
	ENoCascadeDelete:            "ENOCASCADE_DELETE",
	EPluralObject:               "EPLURAL_OBJECT",
	EGrowingPortionIgnored:      "EGROWING_PORTION_IGNORED",
	ERetentionPeriodExceeded:    "ERETENTION_PERIOD_EXCEEDED",
	ENotGrowingObject:           "ENOTGROWINGOBJECT",
}

// String returns the spec name of the code ("ENOT_FOUND"), or "ErrorCode(n)" for a
// code this package does not know.
func (c ErrorCode) String() string {
	if s, ok := errorCodeNames[c]; ok {
		return s
	}
	return "ErrorCode(" + strconv.FormatInt(int64(c), 10) + ")"
}

// Known reports whether c is one of the codes listed in BRIEF section 7.
func (c ErrorCode) Known() bool {
	_, ok := errorCodeNames[c]
	return ok
}
