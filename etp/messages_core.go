package etp

// Core protocol (0) message bodies (BRIEF 3.1).

// RequestSession (Core 1) opens a session; the client sends it first
// (BRIEF 3.2). Times are UTC microseconds.
type RequestSession struct {
	ApplicationName             string
	ApplicationVersion          string
	ClientInstanceID            UUID
	RequestedProtocols          []SupportedProtocol
	SupportedDataObjects        []SupportedDataObject
	SupportedCompression        []string
	SupportedFormats            []string
	CurrentDateTime             int64
	EarliestRetainedChangeTime  int64
	ServerAuthorizationRequired bool
	EndpointCapabilities        map[string]DataValue
}

// OpenSession (Core 2) is the server's positive answer to RequestSession.
// SupportedCompression is the single algorithm chosen ("" = none).
type OpenSession struct {
	ApplicationName            string
	ApplicationVersion         string
	ServerInstanceID           UUID
	SupportedProtocols         []SupportedProtocol
	SupportedDataObjects       []SupportedDataObject
	SupportedCompression       string
	SupportedFormats           []string
	CurrentDateTime            int64
	EarliestRetainedChangeTime int64
	SessionID                  UUID
	EndpointCapabilities       map[string]DataValue
}

// CloseSession (Core 5) ends the session (BRIEF 3.5).
type CloseSession struct {
	Reason string
}

// Authorize (Core 6) carries in-band authorization (BRIEF 3.4), e.g.
// Authorization "Bearer eyJ...".
type Authorize struct {
	Authorization             string
	SupplementalAuthorization map[string]string
}

// AuthorizeResponse (Core 7) answers Authorize.
type AuthorizeResponse struct {
	Success    bool
	Challenges []string
}

// Ping (Core 8); CurrentDateTime is the sender's UTC microseconds.
type Ping struct {
	CurrentDateTime int64
}

// Pong (Core 9) answers Ping.
type Pong struct {
	CurrentDateTime int64
}

// ProtocolException (message type 1000, valid in every protocol) reports a
// whole-request failure in Error or per-key failures in Errors (BRIEF 4.3).
type ProtocolException struct {
	Error  *ErrorInfo
	Errors map[string]ErrorInfo
}

// Acknowledge (message type 1001, valid in every protocol) confirms receipt
// of a message that asked for it (BRIEF 2.10). Its body is empty.
type Acknowledge struct{}

// MessageProtocol returns ProtocolCore.
func (*RequestSession) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*OpenSession) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*CloseSession) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*Authorize) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*AuthorizeResponse) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*Ping) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*Pong) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*ProtocolException) MessageProtocol() Protocol { return ProtocolCore }

// MessageProtocol returns ProtocolCore.
func (*Acknowledge) MessageProtocol() Protocol { return ProtocolCore }

// MessageType returns 1.
func (*RequestSession) MessageType() int32 { return 1 }

// MessageType returns 2.
func (*OpenSession) MessageType() int32 { return 2 }

// MessageType returns 5.
func (*CloseSession) MessageType() int32 { return 5 }

// MessageType returns 6.
func (*Authorize) MessageType() int32 { return 6 }

// MessageType returns 7.
func (*AuthorizeResponse) MessageType() int32 { return 7 }

// MessageType returns 8.
func (*Ping) MessageType() int32 { return 8 }

// MessageType returns 9.
func (*Pong) MessageType() int32 { return 9 }

// MessageType returns MessageTypeProtocolException.
func (*ProtocolException) MessageType() int32 { return MessageTypeProtocolException }

// MessageType returns MessageTypeAcknowledge.
func (*Acknowledge) MessageType() int32 { return MessageTypeAcknowledge }
