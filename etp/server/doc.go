// Package server is an embedded ETP 1.2 store: the server side of the
// Energistics Transfer Protocol for Core (0), Discovery (3), Store (4),
// DataArray (9), Transaction (18) and Dataspace (24), serving a
// storage.DB. It backs `etp-transfer serve`, the quickstart and the tests
// of the client and the pipeline, and behaves like a production store
// (OSDU open-etp-server) wherever clients can tell. Section numbers refer to
// the project's protocol brief (BRIEF.md).
//
// # Endpoints
//
// New returns a *Server, an http.Handler; Serve and ListenAndServe run it
// on a listener (wrap the listener with crypto/tls for wss://). Shutdown
// sends CloseSession to every session and closes them; use it on SIGTERM.
//
//   - WebSocket upgrades offering the subprotocol etp12.energistics.org
//     become ETP sessions; other requests get HTTP 400 with the reason
//     (BRIEF 1.1).
//   - .../.well-known/etp-server-capabilities serves the ServerCapabilities
//     record as Avro-JSON, or Avro binary with $format=binary (BRIEF 1.3).
//   - .../healthz answers 200 "ok" while the store works.
//
// With Options.Token every request but the health check needs
// "Authorization: Bearer <token>", else HTTP 401; the token is never logged.
//
// # Sessions
//
// RequestSession is negotiated as BRIEF 3.2 says: the server plays role
// "store" in the protocols above and echoes only the requested ones
// (ENOSUPPORTEDPROTOCOLS if none, ENOROLE for another role), chooses gzip
// when offered, and answers ENOSUPPORTEDFORMATS or
// ENOSUPPORTEDDATAOBJECTTYPES when the formats or data object types have
// nothing in common (wildcards such as "resqml20.*" match their family).
// The session's message limit is the smaller of both sides'
// MaxWebSocketMessagePayloadSize; a message larger than it makes the
// WebSocket layer close the connection with status 1009, since it cannot be
// read to be answered. Server message ids are odd from 1. A connection that
// sends no RequestSession within RequestSessionTimeout is closed.
//
// Every received message is checked in the order of BRIEF 2.11:
// undecodable header EINVALID_MESSAGE (19), acknowledgement, protocol not
// negotiated EUNSUPPORTED_PROTOCOL (4), unknown message or one a store does
// not receive EINVALID_MESSAGETYPE (3), compressed Core
// ECOMPRESSION_NOTSUPPORTED (13), undecodable body EINVALID_MESSAGE, and
// anything but RequestSession, CloseSession, Authorize, ProtocolException or
// Acknowledge before the session is open EINVALID_STATE (8). Client message
// ids must be positive, even and increasing, and single-part messages must
// carry FIN (EINVALID_MESSAGE otherwise). Compressed messages are inflated up
// to Options.MaxDecompressedSize (a gzip bomb gets EMAXSIZE_EXCEEDED).
//
// # Responses
//
// Map requests are answered with the positive response under the client's
// keys, split across as many parts as the session limit needs (FIN clear),
// then a ProtocolException whose errors map holds the failed keys, with FIN
// (BRIEF 4.3). Limits are enforced on the encoded, compressed message; parts
// are planned on the uncompressed size, which is never smaller. List
// responses (GetResources, GetDataspaces) are capped at MaxResponseCount and
// then end with ERESPONSECOUNT_EXCEEDED (30).
//
// # Protocols
//
// Dataspace: GetDataspaces (the default dataspace eml:/// included),
// PutDataspaces (an existing dataspace is refused with EINVALID_ARGUMENT, as
// on open-etp-server), DeleteDataspaces (a dataspace that still holds data
// is refused with EREQUEST_DENIED unless Options.DeleteDataspaceCascade).
//
// Store: GetDataObjects, PutDataObjects (upsert) and DeleteDataObjects (which
// also deletes the object's arrays); pruneContainedObjects is ignored, as the
// store keeps no containment. Objects larger than one message travel
// as a DataObject with a blobId followed by Store Chunk messages, in both
// directions (BRIEF 6.2). URIs must be canonical (BRIEF 6.6; the default
// dataspace is allowed, versioned URIs get ENOTSUPPORTED), the XML must be
// well-formed with the uuid and type of the URI (EINVALID_OBJECT), the
// type must have been negotiated (EDATAOBJECTTYPE_NOTSUPPORTED) and the
// dataspace must exist (ENOT_FOUND).
//
// DataArray: all six requests for every AnyArray type but strings
// (ENOTSUPPORTED), 1 to 32 dimensions, row-major. Elements are stored
// little-endian at the width of their logical type: values of arrayOfInt or
// arrayOfLong must fit it (EINVALID_ARGUMENT otherwise); reads return the
// transport type the array was written with. Per-key errors: ENOT_FOUND,
// EINVALID_ARGUMENT for bad starts/counts, a count/data mismatch or the wrong
// transport type, EMAXSIZE_EXCEEDED above MaxDataArraySize or when an
// answer cannot fit one message (use GetDataSubarrays). The data object the
// array URI names need not exist, and its type is not checked against the
// negotiated data object types.
//
// Transaction: StartTransaction holds the listed dataspaces; the session's
// writes to them stay invisible to other sessions until CommitTransaction,
// and RollbackTransaction, a dropped connection or TransactionTimeout
// discard them. A second transaction in the session (beyond
// MaxTransactionCount), or one on a dataspace another session holds, gets
// EMAX_TRANSACTIONS_EXCEEDED (15); writes from other sessions to a held
// dataspace get EREQUEST_DENIED. Options.RequireTransactions refuses writes
// outside a transaction, as open-etp-server does.
//
// Discovery: GetResources over a dataspace URI lists its objects (scope
// self, or targets with depth >= 1), with the dataObjectTypes (wildcards),
// storeLastWrite and activeStatus filters and countObjects; over a data
// object URI it walks the references found in the objects' XML. With
// includeEdges the edges follow as GetResourcesEdgesResponse parts.
// GetDeletedResources gets ENOTSUPPORTED: no deletion history is kept.
//
// # Concurrency and limits
//
// Many sessions run at once; each handles up to MaxConcurrentRequests
// requests in parallel and stops reading while they are busy. Memory per
// session is bounded by the message limit times a small factor per request
// in flight, plus MaxConcurrentMultipart x MaxDataObjectSize for chunked
// objects being received. Hostile input gets the right ProtocolException or
// a closed connection, never a panic (a handler panic is logged and answered
// EINVALID_STATE rather than crashing the process).
package server
