package server

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Default values of Options fields (used when a field is zero).
const (
	// DefaultMaxMessageSize is the default MaxWebSocketMessagePayloadSize: 16 MiB.
	DefaultMaxMessageSize int64 = 16 << 20
	// DefaultMaxFrameSize is the default MaxWebSocketFramePayloadSize: 1 MiB.
	DefaultMaxFrameSize int64 = 1 << 20
	// DefaultMaxDecompressedSize is the default limit on the decompressed size
	// of one received message: 64 MiB (raised to MaxMessageSize if smaller).
	DefaultMaxDecompressedSize int64 = 64 << 20
	// DefaultMaxDataArraySize is the default MaxDataArraySize: 64 GiB.
	DefaultMaxDataArraySize int64 = 64 << 30
	// DefaultMaxDataObjectSize is the default MaxDataObjectSize: 32 MiB.
	DefaultMaxDataObjectSize int64 = 32 << 20
	// DefaultMaxPartSize is the default MaxPartSize: 1 MiB.
	DefaultMaxPartSize int64 = 1 << 20
	// DefaultMaxConcurrentMultipart is the default MaxConcurrentMultipart: 8.
	DefaultMaxConcurrentMultipart = 8
	// DefaultMaxResponseCount is the default MaxResponseCount: 10000.
	DefaultMaxResponseCount = 10000
	// DefaultMaxTransactionCount is the default MaxTransactionCount: 1.
	DefaultMaxTransactionCount = 1
	// DefaultMaxConcurrentRequests is the default number of requests one
	// session handles at the same time: 4.
	DefaultMaxConcurrentRequests = 4
	// DefaultMaxSessions is the default MaxSessionGlobalCount: 1000.
	DefaultMaxSessions = 1000
	// DefaultRequestSessionTimeout is the default RequestSessionTimeoutPeriod: 45 s.
	DefaultRequestSessionTimeout = 45 * time.Second
	// DefaultMultipartTimeout is the default MultipartMessageTimeoutPeriod: 60 s.
	DefaultMultipartTimeout = 60 * time.Second
	// DefaultTransactionTimeout is the default TransactionTimeoutPeriod: 10 min.
	DefaultTransactionTimeout = 10 * time.Minute
	// DefaultWriteTimeout is the default time allowed to write one message: 60 s.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultShutdownTimeout is how long Serve waits for sessions to close
	// after its context is cancelled: 10 s.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultApplicationName is the default ApplicationName.
	DefaultApplicationName = "etp-transfer store"
	// DefaultApplicationVersion is the default ApplicationVersion.
	DefaultApplicationVersion = "dev"

	// minMessageSize is the smallest MaxMessageSize accepted: the session
	// messages and error answers must fit.
	minMessageSize int64 = 1024
)

// DefaultSupportedDataObjects are the data object type families the server
// accepts by default (ETP 1.2 SupportedDataObject wildcards, BRIEF 3.2).
var DefaultSupportedDataObjects = []string{
	"eml20.*", "eml21.*", "eml22.*", "eml23.*",
	"resqml20.*", "resqml22.*",
	"witsml20.*", "witsml21.*",
	"prodml21.*", "prodml22.*",
}

// Options configures a Server. A nil *Options means all defaults; the zero
// value of every field is its default. New copies the struct, so changing it
// afterwards has no effect.
type Options struct {
	// Store is the storage the server serves. The server does not close it.
	// Default nil: the server opens DataDir, or an in-memory store when
	// DataDir is also empty, and closes it in Shutdown and Close.
	Store *storage.DB
	// DataDir is the directory of the store opened when Store is nil. Default
	// "": a throw-away in-memory store (storage.OpenMemory), removed on close.
	DataDir string
	// NoSync disables fsync in the store opened from DataDir (faster, but data
	// does not survive an operating-system crash). Default false.
	NoSync bool

	// Token, when not empty, is the bearer token every HTTP request except
	// /healthz must carry in "Authorization: Bearer <token>"; requests without
	// it get HTTP 401 (BRIEF 1.2, 3.4). The token is compared in constant time
	// and never logged. Default "": no authorization.
	Token string

	// MaxMessageSize is the server's MaxWebSocketMessagePayloadSize: the
	// largest ETP message, after compression, it receives or sends. The session
	// limit is the smaller of this and the client's value (BRIEF 2.9). A larger
	// incoming message makes the WebSocket layer close the connection with
	// status 1009 (message too big): nothing can be answered to a message that
	// was not read. Default DefaultMaxMessageSize (16 MiB); minimum 1 KiB.
	MaxMessageSize int64
	// MaxFrameSize is the server's MaxWebSocketFramePayloadSize: outgoing
	// messages are split into WebSocket frames of at most the smaller of this
	// and the client's value. Default DefaultMaxFrameSize (1 MiB).
	MaxFrameSize int64
	// MaxDecompressedSize caps the size of a received compressed message after
	// decompression, so a gzip bomb is refused with EMAXSIZE_EXCEEDED (17)
	// after bounded work. Advertised as the (OSDU) endpoint capability
	// MaxMessagePayloadUncompressedSize. Default DefaultMaxDecompressedSize
	// (64 MiB), never less than MaxMessageSize.
	MaxDecompressedSize int64
	// MaxDataArraySize is the DataArray protocol capability: the largest array
	// (element count times element size) the store accepts; larger ones get
	// EMAXSIZE_EXCEEDED (17). Default DefaultMaxDataArraySize (64 GiB).
	MaxDataArraySize int64
	// MaxDataObjectSize is the largest data object (XML bytes) accepted, whole
	// or reassembled from Store Chunk messages; larger ones get
	// EMAXSIZE_EXCEEDED. It also bounds the memory held for the chunks of one
	// object. Default DefaultMaxDataObjectSize (32 MiB).
	MaxDataObjectSize int64
	// MaxPartSize is the MaxPartSize endpoint capability, advertised only (the
	// server does not implement growing objects). Default DefaultMaxPartSize.
	MaxPartSize int64
	// MaxConcurrentMultipart is how many multipart requests (PutDataObjects
	// with Chunk parts) may be in progress towards the server per session;
	// another one is cancelled with EMULTIPART_CANCELLED (18). The chunks held
	// in memory per session are bounded by MaxConcurrentMultipart times
	// MaxDataObjectSize. Default DefaultMaxConcurrentMultipart (8).
	MaxConcurrentMultipart int
	// MaxResponseCount is the Discovery and Dataspace protocol capability: the
	// most resources or dataspaces in one response; longer lists are cut and
	// end with ERESPONSECOUNT_EXCEEDED (30). Default DefaultMaxResponseCount.
	MaxResponseCount int
	// MaxTransactionCount is the Transaction protocol capability: how many
	// transactions one session may have open; one more gets
	// EMAX_TRANSACTIONS_EXCEEDED (15). Default DefaultMaxTransactionCount (1).
	MaxTransactionCount int
	// MaxConcurrentRequests is how many requests of one session are handled
	// at the same time; further messages are not read until one finishes
	// (back-pressure through TCP). Default DefaultMaxConcurrentRequests (4).
	MaxConcurrentRequests int
	// MaxSessions is the MaxSessionGlobalCount endpoint capability: upgrade
	// requests beyond it get HTTP 503. Default DefaultMaxSessions (1000).
	MaxSessions int

	// RequestSessionTimeout is the RequestSessionTimeoutPeriod: a connection
	// that sends no RequestSession within it is closed. Default
	// DefaultRequestSessionTimeout (45 s).
	RequestSessionTimeout time.Duration
	// MultipartTimeout is the MultipartMessageTimeoutPeriod: a multipart
	// request whose next part does not arrive within it is cancelled with
	// ETIMED_OUT (26). Default DefaultMultipartTimeout (60 s).
	MultipartTimeout time.Duration
	// TransactionTimeout is the TransactionTimeoutPeriod: a transaction not
	// committed or rolled back within it is rolled back. Default
	// DefaultTransactionTimeout (10 min).
	TransactionTimeout time.Duration
	// WriteTimeout bounds the writing of one message to a client; a client
	// that does not read for that long loses its session. Default
	// DefaultWriteTimeout (60 s).
	WriteTimeout time.Duration

	// ApplicationName and ApplicationVersion are sent in OpenSession and the
	// capabilities document. Defaults DefaultApplicationName and
	// DefaultApplicationVersion.
	ApplicationName    string
	ApplicationVersion string
	// Contact is the contactInformation of the capabilities document.
	// Default: all fields empty.
	ContactOrganization, ContactName, ContactPhone, ContactEmail string

	// SupportedDataObjects lists the qualified data object types (or family
	// wildcards such as "resqml20.*") the server accepts. Default
	// DefaultSupportedDataObjects.
	SupportedDataObjects []string
	// DisableCompression stops the server from offering gzip (BRIEF 2.8).
	// Compressed messages from clients are still accepted. Default false.
	DisableCompression bool
	// DeleteDataspaceCascade makes DeleteDataspaces delete a dataspace with
	// everything in it. Default false: deleting a dataspace that still holds
	// data objects or arrays is refused with EREQUEST_DENIED (6).
	DeleteDataspaceCascade bool
	// RequireTransactions refuses writes (Put*, Delete*) outside a
	// transaction with EREQUEST_DENIED (6), as OSDU open-etp-server does.
	// Default false: writes outside a transaction are committed one by one.
	RequireTransactions bool

	// Logger receives the server's structured logs (session open and close,
	// refused requests at debug level, internal errors). Tokens are never
	// logged. Default slog.Default().
	Logger *slog.Logger
}

func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxMessageSize == 0 {
		r.MaxMessageSize = DefaultMaxMessageSize
	}
	if r.MaxMessageSize < minMessageSize {
		return r, fmt.Errorf("etp/server: MaxMessageSize %d is less than the minimum %d", r.MaxMessageSize, minMessageSize)
	}
	if r.MaxFrameSize <= 0 {
		r.MaxFrameSize = DefaultMaxFrameSize
	}
	if r.MaxDecompressedSize <= 0 {
		r.MaxDecompressedSize = DefaultMaxDecompressedSize
	}
	r.MaxDecompressedSize = max(r.MaxDecompressedSize, r.MaxMessageSize)
	if r.MaxDataArraySize <= 0 {
		r.MaxDataArraySize = DefaultMaxDataArraySize
	}
	if r.MaxDataObjectSize <= 0 {
		r.MaxDataObjectSize = DefaultMaxDataObjectSize
	}
	if r.MaxPartSize <= 0 {
		r.MaxPartSize = DefaultMaxPartSize
	}
	if r.MaxConcurrentMultipart <= 0 {
		r.MaxConcurrentMultipart = DefaultMaxConcurrentMultipart
	}
	if r.MaxResponseCount <= 0 {
		r.MaxResponseCount = DefaultMaxResponseCount
	}
	if r.MaxTransactionCount <= 0 {
		r.MaxTransactionCount = DefaultMaxTransactionCount
	}
	if r.MaxConcurrentRequests <= 0 {
		r.MaxConcurrentRequests = DefaultMaxConcurrentRequests
	}
	if r.MaxSessions <= 0 {
		r.MaxSessions = DefaultMaxSessions
	}
	if r.RequestSessionTimeout <= 0 {
		r.RequestSessionTimeout = DefaultRequestSessionTimeout
	}
	if r.MultipartTimeout <= 0 {
		r.MultipartTimeout = DefaultMultipartTimeout
	}
	if r.TransactionTimeout <= 0 {
		r.TransactionTimeout = DefaultTransactionTimeout
	}
	if r.WriteTimeout <= 0 {
		r.WriteTimeout = DefaultWriteTimeout
	}
	if r.ApplicationName == "" {
		r.ApplicationName = DefaultApplicationName
	}
	if r.ApplicationVersion == "" {
		r.ApplicationVersion = DefaultApplicationVersion
	}
	if len(r.SupportedDataObjects) == 0 {
		r.SupportedDataObjects = DefaultSupportedDataObjects
	}
	r.SupportedDataObjects = append([]string(nil), r.SupportedDataObjects...)
	for _, t := range r.SupportedDataObjects {
		if err := checkTypePattern(t); err != nil {
			return r, fmt.Errorf("etp/server: SupportedDataObjects: %w", err)
		}
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r, nil
}
