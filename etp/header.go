package etp

import "strconv"

// MessageHeader is the Avro record that starts every ETP message
// (Energistics.Etp.v12.Datatypes.MessageHeader, BRIEF 2.3). Protocol and
// MessageType select the body schema; CorrelationID and MessageID follow the
// rules of BRIEF 2.5 and 2.6; MessageFlags is a bit set of the Flag constants.
type MessageHeader struct {
	Protocol      int32 // protocol number (Protocol constants)
	MessageType   int32 // message number within the protocol
	CorrelationID int64 // 0, or the messageId this message answers or continues
	MessageID     int64 // unique, positive id of this message (client even, server odd)
	MessageFlags  int32 // bit set of FlagFinalPart, FlagCompressed, ...
}

// Message header flag bits (BRIEF 2.4). Bits 0x01 and 0x04 belonged to ETP 1.1
// and are never set by this package; unknown bits are ignored on read.
const (
	// FlagFinalPart (FIN) marks the last part of a multipart message and every
	// single-part message.
	FlagFinalPart int32 = 0x02
	// FlagCompressed says everything after the header (extension and body) is
	// one gzip stream (BRIEF 2.8).
	FlagCompressed int32 = 0x08
	// FlagAcknowledgementRequested asks the receiver for a Core Acknowledge
	// (BRIEF 2.10).
	FlagAcknowledgementRequested int32 = 0x10
	// FlagHasHeaderExtension says a MessageHeaderExtension record follows the
	// header (BRIEF 2.7).
	FlagHasHeaderExtension int32 = 0x20
)

// HasFlag reports whether all bits of f are set in h.MessageFlags.
func (h MessageHeader) HasFlag(f int32) bool { return h.MessageFlags&f == f }

// String formats the header for logs, e.g.
// "Store/2 id=4 corr=0 flags=0x2".
func (h MessageHeader) String() string {
	return Protocol(h.Protocol).String() + "/" + strconv.FormatInt(int64(h.MessageType), 10) +
		" id=" + strconv.FormatInt(h.MessageID, 10) +
		" corr=" + strconv.FormatInt(h.CorrelationID, 10) +
		" flags=0x" + strconv.FormatInt(int64(h.MessageFlags), 16)
}

// Protocol is an ETP protocol number (BRIEF section 8,
// Energistics.Etp.v12.Datatypes.Protocol).
type Protocol int32

// Protocols implemented by this package. The other numbers of the enum are
// valid values too; String names them.
const (
	ProtocolCore        Protocol = 0
	ProtocolDiscovery   Protocol = 3
	ProtocolStore       Protocol = 4
	ProtocolDataArray   Protocol = 9
	ProtocolTransaction Protocol = 18
	ProtocolDataspace   Protocol = 24
)

var protocolNames = [...]string{
	0: "Core", 1: "ChannelStreaming", 2: "ChannelDataFrame", 3: "Discovery", 4: "Store",
	5: "StoreNotification", 6: "GrowingObject", 7: "GrowingObjectNotification", 8: "DEPRECATED_8",
	9: "DataArray", 10: "RESERVED_10", 11: "RESERVED_11", 12: "RESERVED_12", 13: "DiscoveryQuery",
	14: "StoreQuery", 15: "RESERVED_15", 16: "GrowingObjectQuery", 17: "RESERVED_17",
	18: "Transaction", 19: "RESERVED_19", 20: "RESERVED_20", 21: "ChannelSubscribe",
	22: "ChannelDataLoad", 23: "RESERVED_23", 24: "Dataspace", 25: "SupportedTypes",
}

// String returns the schema name of the protocol ("DataArray"), or
// "Protocol(n)" for a number outside the ETP 1.2 enum.
func (p Protocol) String() string {
	if p >= 0 && int(p) < len(protocolNames) {
		return protocolNames[p]
	}
	return "Protocol(" + strconv.FormatInt(int64(p), 10) + ")"
}

// Message types valid in every protocol (BRIEF 2.2): a receiver decodes them
// with the Core schemas whatever the header's protocol number says.
const (
	MessageTypeProtocolException int32 = 1000
	MessageTypeAcknowledge       int32 = 1001
)

// Message is implemented by every message body type of this package (and only
// by them: the set is closed so the codec can encode every value). The
// methods return constants of the type and are safe on a nil pointer.
type Message interface {
	// MessageProtocol is the protocol the body belongs to. ProtocolException
	// and Acknowledge report ProtocolCore, although they may travel with any
	// protocol number in the header.
	MessageProtocol() Protocol
	// MessageType is the body's message number within its protocol.
	MessageType() int32

	bodyCodec
}

type msgKey struct {
	p Protocol
	t int32
}

type msgInfo struct {
	name      string // schema full name
	multipart bool   // schema multipartFlag
	newBody   func() Message
}

// MultipartAllowed reports whether a message of (p, messageType) may be sent
// as several parts, i.e. whether its schema multipartFlag is true (BRIEF 4.1,
// section 8). ProtocolException (1000) is multipart-capable in every protocol,
// Acknowledge (1001) in none. Unknown messages report false.
func MultipartAllowed(p Protocol, messageType int32) bool {
	switch messageType {
	case MessageTypeProtocolException:
		return true
	case MessageTypeAcknowledge:
		return false
	}
	info, ok := registry[msgKey{p, messageType}]
	return ok && info.multipart
}

// NewBody returns a new zero body for (p, messageType), ready to be decoded
// into. Message types 1000 and 1001 resolve to *ProtocolException and
// *Acknowledge whatever p is (BRIEF 2.2). An unknown pair returns a
// *DecodeError with Code EInvalidMessageType.
func NewBody(p Protocol, messageType int32) (Message, error) {
	info, ok := lookupMessage(p, messageType)
	if !ok {
		return nil, &DecodeError{Code: EInvalidMessageType, HasHeader: true,
			Header: MessageHeader{Protocol: int32(p), MessageType: messageType}, Err: errUnknownMessage}
	}
	return info.newBody(), nil
}

// MessageName returns the schema full name of the body of (p, messageType),
// e.g. "Energistics.Etp.v12.Protocol.Store.GetDataObjects", and false when the
// pair is unknown. 1000 and 1001 resolve to Core whatever p is.
func MessageName(p Protocol, messageType int32) (string, bool) {
	info, ok := lookupMessage(p, messageType)
	return info.name, ok
}

func lookupMessage(p Protocol, messageType int32) (msgInfo, bool) {
	if messageType == MessageTypeProtocolException || messageType == MessageTypeAcknowledge {
		p = ProtocolCore
	}
	info, ok := registry[msgKey{p, messageType}]
	return info, ok
}

// compressible reports whether a body of (protocol, messageType) may be
// compressed: never Core, never ProtocolException or Acknowledge (BRIEF 2.8).
func compressible(protocol, messageType int32) bool {
	return protocol != int32(ProtocolCore) &&
		messageType != MessageTypeProtocolException && messageType != MessageTypeAcknowledge
}
