package jobs

import (
	"strconv"
	"time"
)

// Version is the only job file format version this package reads. A job file must
// say "version: 1"; any other value is a validation error.
const Version = 1

// EmbeddedServer is the name of the built-in server: an in-process ETP 1.2 store.
// It is always present in Job.Servers, whether or not the job file mentions it.
const EmbeddedServer = "embedded"

// Built-in defaults. They apply where neither the task nor the job's defaults
// section sets a value.
const (
	// DefaultConcurrency is the number of top-level tasks run at once.
	DefaultConcurrency = 4
	// DefaultRetries is how often a task is retried after a retryable failure.
	DefaultRetries = 2
	// DefaultSessions is the number of parallel ETP sessions per server.
	DefaultSessions = 1
	// DefaultInFlight is the number of requests in flight per session.
	DefaultInFlight = 4
	// DefaultMaxMessageSize is the largest WebSocket message the client offers
	// (MaxWebSocketMessagePayloadSize); the session uses the smaller of this and
	// the server's value.
	DefaultMaxMessageSize int64 = 16 << 20
	// DefaultConnectTimeout bounds dialing and the ETP session handshake.
	DefaultConnectTimeout = 30 * time.Second
	// DefaultRequestTimeout bounds one ETP request until its final response part.
	DefaultRequestTimeout = 5 * time.Minute
)

// Limits on values, checked by Parse.
const (
	// MaxJobSize is the largest job file Parse reads, in bytes.
	MaxJobSize = 8 << 20
	// MaxTasks is the largest number of tasks (nested ones included) in one job.
	MaxTasks = 10000
	// MaxErrors is how many errors a ValidationError lists; more are counted only.
	MaxErrors = 20
	// MinMessageSize and MaxMessageSize bound max_message_size.
	MinMessageSize int64 = 4 << 10
	MaxMessageSize int64 = 1 << 30
	// MaxDims is the largest number of dimensions of an array shape.
	MaxDims = 32
)

// Task kinds, as returned by Task.Kind; each is also the action's key in the job file.
const (
	KindCreateDataspace = "create_dataspace"
	KindDeleteDataspace = "delete_dataspace"
	KindPutObjects      = "put_objects"
	KindGetObjects      = "get_objects"
	KindDeleteObjects   = "delete_objects"
	KindUploadArray     = "upload_array"
	KindDownloadArray   = "download_array"
	KindCopy            = "copy"
	KindList            = "list"
	KindTransaction     = "transaction"
	KindImportEPC       = "import_epc"
	KindExportEPC       = "export_epc"
)

// Pos is a position in a job file. Line and Column are 1-based; zero means unknown.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String formats p as "file:line:column", leaving out unknown parts.
func (p Pos) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	return s
}

// Job is a parsed, validated and defaulted job. All defaults are applied: the
// pipeline never has to look anything up in a defaults section. A Job is not
// modified by any method of this package, so it may be read from several
// goroutines at once.
type Job struct {
	// Version is the format version, always 1.
	Version int
	// File is the job file's name as given to ParseFile or ParseOptions.Name; it
	// prefixes every position.
	File string
	// Dir is the directory relative paths in the job were resolved against: the
	// absolute directory of the job file for ParseFile, ParseOptions.Dir for Parse.
	// Empty means the process's working directory.
	Dir string
	// Servers holds every server by name, always including EmbeddedServer.
	Servers map[string]*Server
	// Tasks holds the top-level tasks in file order. Tasks of a transaction are
	// nested in Task.Transaction.Tasks.
	Tasks []*Task
	// Concurrency is the number of top-level tasks run at once. Default 4, at most 256.
	Concurrency int
	// LockFile, when not empty, is a file the runner locks for the whole run so
	// that a second concurrent run of the job fails at once. Default: no lock.
	LockFile string
}

// Compression selects how ETP message bodies are compressed (ETP 1.2 section 2.8).
type Compression string

const (
	// CompressionAuto offers gzip and compresses a message only where it pays.
	CompressionAuto Compression = "auto"
	// CompressionGzip offers gzip and compresses every message that may be compressed.
	CompressionGzip Compression = "gzip"
	// CompressionNone offers no compression.
	CompressionNone Compression = "none"
)

// Server is an ETP 1.2 store the job talks to. Token values are never held here:
// only where to find them (TokenEnv, TokenFile); call Token at connection time.
type Server struct {
	// Name is the key under servers:, or EmbeddedServer.
	Name string
	// Pos is where the server is defined; the zero Pos for an implicit embedded server.
	Pos Pos
	// Embedded is true for the built-in in-process store.
	Embedded bool
	// URI is the ws:// or wss:// endpoint. Required unless Embedded; empty when Embedded.
	URI string
	// TokenEnv names an environment variable holding a bearer token. Optional.
	TokenEnv string
	// TokenFile is a file holding a bearer token, resolved against Job.Dir. Optional;
	// at most one of TokenEnv and TokenFile is set.
	TokenFile string
	// DataPartitionID is sent as the OSDU data-partition-id header when not empty.
	DataPartitionID string
	// CAFile is a PEM file of CA certificates to trust for wss://, resolved against
	// Job.Dir. Default: the system's roots.
	CAFile string
	// DataDir is the embedded store's data directory, resolved against Job.Dir.
	// Default empty: the store keeps everything in memory (or a temporary
	// directory) and forgets it when the run ends.
	DataDir string
	// MaxMessageSize is the largest WebSocket message, in bytes, the client offers;
	// the session uses the smaller of this and the server's limit. Default 16 MiB,
	// between 4 KiB and 1 GiB.
	MaxMessageSize int64
	// Compression is auto (the default), gzip or none.
	Compression Compression
	// Sessions is the number of parallel ETP sessions to this server. Default 1, at most 64.
	Sessions int
	// InFlight is the number of requests in flight per session. Default 4, at most 256.
	InFlight int
	// ConnectTimeout bounds the dial and the session handshake. Default 30s.
	ConnectTimeout time.Duration
	// RequestTimeout bounds one request until its last response part. Default 5m.
	RequestTimeout time.Duration

	refs map[string]ref
}

// Task is one unit of work with exactly one action: exactly one of the action
// pointer fields is non-nil, and Kind names it.
type Task struct {
	// Name is unique within the job, nested tasks included; it matches [A-Za-z0-9._-]+.
	Name string
	// Pos is where the task is defined.
	Pos Pos
	// DependsOn names tasks that must succeed before this one starts. At top level
	// they are top-level tasks; inside a transaction they are tasks of the same
	// transaction. Empty when the task has no dependencies.
	DependsOn []string
	// Retries is how often the task is retried after a retryable failure; 0 means
	// one attempt only. Task value, else defaults.retries, else 2. Always 0 for tasks
	// inside a transaction: the transaction is retried as a whole.
	Retries int
	// Timeout bounds one attempt of the task; 0 means no limit. Task value, else
	// defaults.timeout, else 0. Always 0 for tasks inside a transaction.
	Timeout time.Duration
	// Server names the server the task talks to (a key of Job.Servers). Task value,
	// else defaults.server, else "embedded". For copy it equals Copy.From.Server.
	Server string
	// Dataspace is the dataspace path the task works in, e.g. "demo/quickstart"
	// (without eml:/// or quotes). Task value (or the action's dataspace key for
	// create_dataspace and delete_dataspace), else defaults.dataspace, else the
	// dataspace of the task's URIs. For copy it equals Copy.From.Dataspace.
	Dataspace string
	// InTransaction names the enclosing transaction task; empty at top level.
	InTransaction string

	// The action: exactly one of these is non-nil, the one Kind names.
	CreateDataspace *CreateDataspace
	DeleteDataspace *DeleteDataspace
	PutObjects      *PutObjects
	GetObjects      *GetObjects
	DeleteObjects   *DeleteObjects
	UploadArray     *UploadArray
	DownloadArray   *DownloadArray
	Copy            *Copy
	List            *List
	Transaction     *Transaction
	ImportEPC       *ImportEPC
	ExportEPC       *ExportEPC

	path string
	refs map[string]ref
}

// ref records where a value came from, for messages produced after parsing.
type ref struct {
	pos  Pos
	path string // e.g. tasks[2].upload_array.file
	src  string // unexpanded source text
	raw  string // expanded value before resolution against Job.Dir
}

// Kind returns the task's action key, one of the Kind constants, or "" for a
// Task without an action (never produced by Parse).
func (t *Task) Kind() string {
	switch {
	case t == nil:
		return ""
	case t.CreateDataspace != nil:
		return KindCreateDataspace
	case t.DeleteDataspace != nil:
		return KindDeleteDataspace
	case t.PutObjects != nil:
		return KindPutObjects
	case t.GetObjects != nil:
		return KindGetObjects
	case t.DeleteObjects != nil:
		return KindDeleteObjects
	case t.UploadArray != nil:
		return KindUploadArray
	case t.DownloadArray != nil:
		return KindDownloadArray
	case t.Copy != nil:
		return KindCopy
	case t.List != nil:
		return KindList
	case t.Transaction != nil:
		return KindTransaction
	case t.ImportEPC != nil:
		return KindImportEPC
	case t.ExportEPC != nil:
		return KindExportEPC
	}
	return ""
}

// Task returns the task with the given name, searching nested transaction tasks
// too, or nil if there is none.
func (j *Job) Task(name string) *Task {
	var find func([]*Task) *Task
	find = func(ts []*Task) *Task {
		for _, t := range ts {
			if t == nil {
				continue
			}
			if t.Name == name {
				return t
			}
			if t.Transaction != nil {
				if f := find(t.Transaction.Tasks); f != nil {
					return f
				}
			}
		}
		return nil
	}
	return find(j.Tasks)
}

// IfExists says what creating something that already exists does.
type IfExists string

const (
	// IfExistsOK treats an existing target as success (the default).
	IfExistsOK IfExists = "ok"
	// IfExistsFail fails the task.
	IfExistsFail IfExists = "fail"
)

// CreateDataspace creates Task.Dataspace (ETP 1.2 Dataspace protocol, PutDataspaces).
type CreateDataspace struct {
	// IfExists is ok (default: an existing dataspace is success) or fail.
	IfExists IfExists
	// LegalTags, OtherRelevantDataCountries, Owners and Viewers are sent as the
	// OSDU access-control entries of the dataspace's customData (legaltags,
	// otherRelevantDataCountries, owners, viewers). Empty lists are not sent.
	LegalTags                  []string
	OtherRelevantDataCountries []string
	Owners                     []string
	Viewers                    []string
}

// DeleteDataspace deletes Task.Dataspace and everything in it (DeleteDataspaces).
type DeleteDataspace struct {
	// IfMissing is ok (default: a missing dataspace is success) or fail.
	IfMissing IfExists
}

// PutObjects stores data object XML files in Task.Dataspace (Store protocol,
// PutDataObjects). Each file's type and uuid come from its content.
type PutObjects struct {
	// Files are glob patterns (Go path.Match syntax, no "**"), resolved against
	// Job.Dir, in file order. At least one.
	Files []string
}

// GetObjects fetches data objects into Dir, either by URI or by type.
type GetObjects struct {
	// URIs are canonical data object URIs. Exactly one of URIs and Types is set.
	URIs []string
	// Types are qualified data object types (resqml20.obj_Grid2dRepresentation,
	// or a wildcard such as resqml20.*): every object of these types in the dataspace.
	Types []string
	// Dir is the output directory, resolved against Job.Dir. Required.
	Dir string
}

// DeleteObjects deletes data objects (Store protocol, DeleteDataObjects).
type DeleteObjects struct {
	// URIs are canonical data object URIs. At least one.
	URIs []string
	// PruneContainedObjects also deletes contained objects no longer referenced.
	// Default false.
	PruneContainedObjects bool
}

// ArrayFormat is the layout of an array file.
type ArrayFormat string

const (
	// FormatNpy is a NumPy .npy file (element type and shape in its header).
	FormatNpy ArrayFormat = "npy"
	// FormatRaw is a headerless file of elements in row-major order.
	FormatRaw ArrayFormat = "raw"
)

// ByteOrder is the byte order of a raw array file.
type ByteOrder string

const (
	// LittleEndian is the default byte order.
	LittleEndian ByteOrder = "little"
	// BigEndian is network byte order.
	BigEndian ByteOrder = "big"
)

// DType is an array element type.
type DType string

// The element types a raw array file may hold.
const (
	Bool    DType = "bool"
	Int8    DType = "int8"
	Uint8   DType = "uint8"
	Int16   DType = "int16"
	Uint16  DType = "uint16"
	Int32   DType = "int32"
	Uint32  DType = "uint32"
	Int64   DType = "int64"
	Uint64  DType = "uint64"
	Float32 DType = "float32"
	Float64 DType = "float64"
)

// DTypes lists every valid DType, smallest first.
func DTypes() []DType {
	return []DType{Bool, Int8, Uint8, Int16, Uint16, Int32, Uint32, Int64, Uint64, Float32, Float64}
}

// Size returns the size of one element in bytes, or 0 for an unknown DType.
func (d DType) Size() int {
	switch d {
	case Bool, Int8, Uint8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Int64, Uint64, Float64:
		return 8
	}
	return 0
}

// UploadArray writes an array file to one array of a data object (DataArray protocol).
type UploadArray struct {
	// File is the array file, resolved against Job.Dir. Required.
	File string
	// Format is npy or raw. Default: npy when File ends in ".npy", else raw.
	Format ArrayFormat
	// URI is the canonical URI of the data object owning the array, e.g. an
	// eml20.obj_EpcExternalPartReference. Required.
	URI string
	// Path is the path in resource (HDF5 dataset path), starting with "/". Required.
	Path string
	// DType is the element type; required for raw files, empty for npy files.
	DType DType
	// Shape lists the dimensions, slowest-varying first; required for raw files,
	// nil for npy files. Every dimension is at least 1.
	Shape []int64
	// ByteOrder of a raw file: little (default) or big; empty for npy files.
	ByteOrder ByteOrder
}

// DownloadArray reads one array into a file.
type DownloadArray struct {
	// URI is the canonical URI of the data object owning the array. Required.
	URI string
	// Path is the path in resource, starting with "/". Required.
	Path string
	// File is the output file, resolved against Job.Dir; replaced if it exists.
	// Required.
	File string
	// Format is npy or raw. Default: npy when File ends in ".npy", else raw.
	Format ArrayFormat
	// ByteOrder of a raw output file: little (default) or big; empty for npy.
	ByteOrder ByteOrder
	// VerifyAgainst, when not empty, is a file (resolved against Job.Dir) the
	// downloaded array must equal element for element; a difference fails the task.
	VerifyAgainst string
}

// Endpoint is one side of a copy.
type Endpoint struct {
	// Server names a key of Job.Servers. Default: the task's server.
	Server string
	// Dataspace is a dataspace path. Default: the task's dataspace.
	Dataspace string
}

// Copy copies data objects, and by default their arrays, between dataspaces,
// possibly on different servers.
type Copy struct {
	// From is where objects are read. Required to differ from To.
	From Endpoint
	// To is where objects are written; the dataspace must exist.
	To Endpoint
	// URIs, when set, are the objects to copy (canonical URIs in From's dataspace).
	URIs []string
	// Types, when set, restricts the copy to these qualified types (wildcards
	// allowed). With neither URIs nor Types, every object is copied.
	Types []string
	// Arrays also copies the arrays the objects refer to. Default true.
	Arrays bool
}

// List writes the resources of Task.Dataspace (Discovery protocol, GetResources).
type List struct {
	// Output is a JSON file for the list, resolved against Job.Dir. Default empty:
	// the list goes into the run report only.
	Output string
	// Types restricts the list to these qualified types (wildcards allowed).
	// Default: all types.
	Types []string
}

// Transaction runs its tasks in one ETP transaction (ETP 1.2 Transaction
// protocol) on one session of Task.Server covering Task.Dataspace: committed when
// all tasks succeed, rolled back otherwise.
type Transaction struct {
	// Message is the StartTransaction message. Default empty.
	Message string
	// Tasks are the grouped tasks in file order; their DependsOn name tasks of this
	// group only. Allowed kinds: put_objects, get_objects, delete_objects,
	// upload_array, download_array, list.
	Tasks []*Task
}

// ImportEPC stores the data objects of an EPC package (the OPC zip archive
// RESQML tools write) in Task.Dataspace, and the arrays they point at from
// the package's HDF5 files. It runs at top level only, never inside a
// transaction task: with Transaction set it opens its own.
type ImportEPC struct {
	// File is the .epc package, resolved against Job.Dir. Required.
	File string
	// HDF5, when not empty, is one HDF5 file (resolved against Job.Dir) that
	// holds the arrays of every EpcExternalPartReference of the package,
	// whatever files the package names. Default empty: each
	// EpcExternalPartReference's externalResource relationship names its
	// file, relative to the package's directory. At most one of HDF5 and
	// HDF5ByProxy is set.
	HDF5 string
	// HDF5ByProxy maps the uuid (lower case) of an EpcExternalPartReference to
	// the HDF5 file (resolved against Job.Dir) holding its arrays, in place of
	// the file the package names for that proxy; other proxies keep theirs.
	// Default nil.
	HDF5ByProxy map[string]string
	// Transaction writes all objects and arrays in one ETP transaction,
	// committed when everything is stored and rolled back otherwise. Default true.
	Transaction bool
	// CheckReferences fails the task before anything is written when a data
	// object refers to an object that is not in the package, or an array's
	// HDF5 file or dataset is missing. Default true.
	CheckReferences bool
}

// ExportEPC writes data objects of Task.Dataspace, and their arrays, to an
// EPC package and an HDF5 file. It runs at top level only.
type ExportEPC struct {
	// File is the .epc package to write, resolved against Job.Dir; replaced
	// if it exists. Required.
	File string
	// HDF5 is the HDF5 file the arrays are written to, resolved against
	// Job.Dir and replaced if it exists; the package's
	// EpcExternalPartReference objects name it relative to File's directory.
	// Default: File with its extension replaced by ".h5" (out/model.epc ->
	// out/model.h5). Never equal to File.
	HDF5 string
	// URIs, when set, are the objects to export: canonical data object URIs in
	// Task.Dataspace. At most one of URIs and Types is set.
	URIs []string
	// Types, when set, exports the objects of these qualified types (wildcards
	// such as resqml20.* allowed). With neither URIs nor Types, every object
	// of the dataspace is exported.
	Types []string
	// IncludeReferenced also exports every object the chosen ones refer to,
	// directly or through others, so that the package has no dangling
	// references. Default true.
	IncludeReferenced bool
}
