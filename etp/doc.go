// Package etp implements the wire format of the Energistics Transfer Protocol
// v1.2 (ETP 1.2) for the protocols etp-transfer uses: Core (0), Discovery (3),
// Store (4), DataArray (9), Transaction (18) and Dataspace (24). Section
// numbers below refer to the project's protocol brief (BRIEF.md), written from
// the official Avro schema etp.avpr.
//
// # Sessions
//
// Dial opens a client session: the WebSocket upgrade with subprotocol
// etp12.energistics.org and the Authorization / data-partition-id headers
// (BRIEF 1.1-1.2), then RequestSession/OpenSession, negotiating protocols,
// gzip and the message limit (the smaller of both sides, BRIEF 3.2, 2.9).
// A Session is safe for concurrent use: message ids are even, assigned in
// wire order (BRIEF 2.5); one reader routes every response part by
// correlation id (2.6) and assembles multipart responses until FIN (4.2).
// Typed methods cover dataspaces, data objects (with Store Chunk parts for
// large ones, 6.2), arrays, transactions and resources; map requests return a
// MapResult with per-key errors (4.3), and server errors are *ProtocolError
// (CodeOf gives the code). Every request takes a context; when the session
// ends every pending request fails with an error wrapping ErrSessionClosed.
// Close sends CloseSession and waits a bounded time. GetServerCapabilities
// reads the capabilities document (1.3). See ExampleDial.
//
// # Messages
//
// Every message body is a Go struct named after its schema record
// (RequestSession, GetDataSubarrays, PutDataSubarraysResponse, ...) and
// implements Message, which reports its protocol and message type (BRIEF
// section 8). Records used inside bodies (DataArrayIdentifier, Resource,
// DataObject, ...) have the same names as in the schema. Avro int is int32,
// long is int64, optional unions [null, T] are pointers, enums are typed int32
// constants with String methods, the Uuid fixed type is UUID, and the 19-branch
// DataValue union is a closed interface (Long, Bool, Strings, ...). AnyArray
// is a flat struct with one typed slice per branch. NewBody creates a body
// from (protocol, message type); MultipartAllowed reports the schema
// multipartFlag (BRIEF 4.1).
//
// # Framing
//
// One WebSocket binary message is one ETP message: a MessageHeader, an
// optional MessageHeaderExtension when FlagHasHeaderExtension is set, then the
// body, with no length prefixes (BRIEF 2.2-2.4, 2.7). AppendMessage writes a
// whole message; DecodeHeader, DecodeMessage and DecodeMessageInto read one.
// ProtocolException (1000) and Acknowledge (1001) decode as Core whatever the
// header's protocol (BRIEF 2.2).
//
// # Compression
//
// With FlagCompressed everything after the header is one gzip stream
// (BRIEF 2.8). AppendMessage compresses only when asked, never Core messages
// or 1000/1001, at the fastest level, and only when the result is smaller.
// DecodeMessage decompresses any flagged message except a Core one (answered
// with ECOMPRESSION_NOTSUPPORTED), bounded by DecodeOptions.MaxDecompressedSize.
//
// # Encoding rules
//
// The codec is hand-written (codec.go explains why hamba/avro is not used on
// the wire) and follows the Avro binary rules of BRIEF 2.1: arrays and maps
// are written as one positive-count block, map entries sorted by key so the
// output is deterministic; decoders accept any number of blocks and negative
// counts with byte sizes. Decoding never panics and never allocates more than
// the input can hold: every count and length is checked against the remaining
// bytes first. Errors are *DecodeError carrying the ETP error code to answer
// with (BRIEF 2.11). EncodedSize gives the exact encoded size of a body
// without encoding it, for message planning (BRIEF 2.9, 5.3).
//
// # Arrays
//
// The AnyArray payloads of GetDataArraysResponse, GetDataSubarraysResponse,
// PutDataArrays and PutDataSubarrays are the hot path: float and double values
// are raw little-endian copies, ints and longs zig-zag varints. DecodeAnyArrayInto
// and DecodeMessageInto reuse the caller's buffers so a downloader can decode
// block after block without allocating (BRIEF section 5).
//
// # Errors and URIs
//
// ErrorCode names every code of BRIEF section 7. ParseURI, DataspaceURI and
// ObjectURI handle the canonical ETP URIs of BRIEF 6.6.
//
// # Schemas
//
// The project's own Avro schemas of every type are embedded (schemas/*.json)
// and available, parsed with hamba/avro, through Schema and SchemaNames;
// tests check that they have the same Parsing Canonical Form as the official
// etp.avpr. AppendRecord and DecodeRecord encode any record on its own, e.g.
// the ServerCapabilities document in its Avro-binary form (BRIEF 1.3).
//
// All functions are safe for concurrent use; values are not (do not encode a
// message while another goroutine modifies it).
package etp
