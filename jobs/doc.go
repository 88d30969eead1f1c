// Package jobs reads etp-transfer job files: declarative YAML documents that
// say which data objects and arrays to move to and from ETP 1.2 stores.
//
// [Parse] and [ParseFile] turn a job file into a [Job]: validated, with every
// default applied, so the pipeline executes it without looking anything up.
// A bad job yields a [*ValidationError] listing each problem at its place:
//
//	job.yaml:12:5: tasks[2].upload_array.uri: "eml:/x": a URI starts with three slashes: "eml:///"
//
// Parse never touches the file system; [Job.Check] then verifies input files,
// glob matches and token variables (the validate command runs both).
// [Job.Order] and [OrderTasks] give the dependency order, [Job.Shard] splits a
// job between several workers, and [Server.Token] reads a bearer token at
// connection time. Everything here is safe for concurrent use.
//
// The rest of this comment is the job file reference.
//
// # A first job
//
// This job needs nothing but the etp-transfer binary: it uses the built-in
// embedded store.
//
//	version: 1
//	defaults:
//	  dataspace: demo/quickstart
//	tasks:
//	  - name: create-dataspace
//	    create_dataspace: {}
//	  - name: put-objects
//	    depends_on: [create-dataspace]
//	    put_objects:
//	      files: ["data/*.xml"]
//	  - name: upload-z
//	    depends_on: [put-objects]
//	    upload_array:
//	      file: data/z.npy
//	      uri: "eml:///dataspace('demo/quickstart')/eml20.obj_EpcExternalPartReference(3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6)"
//	      path: /RESQML/3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6/points_patch0
//	  - name: download-z
//	    depends_on: [upload-z]
//	    download_array:
//	      uri: "eml:///dataspace('demo/quickstart')/eml20.obj_EpcExternalPartReference(3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6)"
//	      path: /RESQML/3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6/points_patch0
//	      file: out/z.npy
//	      verify_against: data/z.npy
//
// Tasks run as soon as the tasks they depend on have succeeded, up to
// concurrency at once. A failed task fails the tasks that depend on it; the
// others still run.
//
// # Top-level keys
//
//	version      required; must be 1
//	servers      optional; ETP servers by name (see Servers)
//	defaults     optional; server, dataspace, retries, timeout for every task
//	concurrency  optional; top-level tasks running at once; 1 to 256, default 4
//	lock_file    optional; a file locked for the whole run, so a second run of
//	             the same job started meanwhile (by cron, say) fails at once
//	tasks        required; a non-empty list of tasks (see Tasks)
//	x-...        ignored: any key starting with "x-" holds YAML anchors for reuse
//
// Any other key is an error, with a suggestion when it looks like a typo
// ("tsks: unknown key "tsks" (did you mean "tasks"?)").
//
// # Servers
//
// A server named "embedded" always exists: an in-process ETP store that lives
// as long as the run (or in data_dir). Other servers are defined by name
// (letters, digits, '.', '_', '-'):
//
//	servers:
//	  prod:
//	    uri: wss://rddms.example.com/api/etp   # required; ws:// or wss://
//	    token_env: ETP_TOKEN                   # bearer token from this variable, or
//	    # token_file: /var/run/secrets/etp/token  # from this file (not both)
//	    data_partition_id: opendes             # OSDU data-partition-id header
//	    ca_file: ca.pem                        # extra CA certificates (wss only)
//	    max_message_size: 16MiB
//	    compression: auto
//	    sessions: 2
//	    in_flight: 4
//	    connect_timeout: 30s
//	    request_timeout: 5m
//	  embedded:
//	    data_dir: ./.etp-data
//
//	key                default   meaning
//	uri                -         the ETP endpoint; no user:password@ (use a token)
//	token_env          none      environment variable holding the bearer token
//	token_file         none      file holding the bearer token, read at each connection
//	data_partition_id  none      OSDU partition, sent as the data-partition-id header
//	ca_file            system    PEM file of CA certificates to trust
//	max_message_size   16MiB     largest WebSocket message offered; the session uses
//	                             the smaller of this and the server's limit; 4KiB to 1GiB
//	compression        auto      auto: gzip where it pays; gzip: always; none: never
//	sessions           1         parallel ETP sessions to this server; 1 to 64
//	in_flight          4         requests in flight per session; 1 to 256
//	connect_timeout    30s       dial and session handshake
//	request_timeout    5m        one request until its last response part
//	data_dir           memory    embedded only: keep the store's data in this directory
//
// The embedded server accepts data_dir, max_message_size, compression,
// sessions, in_flight and request_timeout. Tokens never appear in the job,
// in messages or in reports: only the variable's or file's name does.
// token_env takes the variable's name (token_env: ETP_TOKEN), never ${ETP_TOKEN}.
//
// # Defaults
//
//	defaults:
//	  server: prod              # default "embedded"
//	  dataspace: demo/Volve     # default none: tasks that need one must set it
//	  retries: 3                # default 2
//	  timeout: 30m              # default 0, no limit
//
// A task's own value wins over defaults.
//
// # Tasks
//
// Every task is a mapping with a name and exactly one action key:
//
//	name        required; unique in the job; letters, digits, '.', '_', '-'
//	depends_on  tasks that must succeed first: a list, or one name
//	retries     retries after a retryable failure; 0 to 100 (default 2)
//	timeout     limit for one attempt, e.g. 45m; 0 means none (default 0)
//	server      server to talk to (default "embedded")
//	dataspace   dataspace path, e.g. demo/quickstart (no eml:///, no quotes)
//
// Names in depends_on must exist; cycles are errors that name every task in
// the cycle. The actions are create_dataspace, delete_dataspace, put_objects,
// get_objects, delete_objects, upload_array, download_array, list, copy,
// transaction, import_epc and export_epc. A task whose action has URIs (uris,
// uri) works in the URIs' dataspace when neither the task nor defaults sets
// one; when one is set, every URI must be in it.
//
// # create_dataspace and delete_dataspace
//
//	tasks:
//	  - name: mk
//	    create_dataspace:
//	      dataspace: demo/new          # default: the task's dataspace
//	      if_exists: ok                # ok (default) or fail
//	      legal_tags: [opendes-public] # OSDU access control, sent as customData;
//	      owners: [owners@opendes.example.com]  # each optional, a list or one value
//	      viewers: [viewers@opendes.example.com]
//	      other_relevant_data_countries: [US]
//	  - name: rm
//	    delete_dataspace:
//	      dataspace: demo/old          # deletes the dataspace and all it holds
//	      if_missing: ok               # ok (default) or fail
//
// Set the dataspace in the action or on the task, not both. "create_dataspace:"
// with no value at all is allowed and means {}.
//
// # put_objects
//
//	put_objects:
//	  files: ["data/*.xml", "grids/grid_??.xml"]   # required
//
// Stores each matching XML data object in the task's dataspace; the type and
// uuid come from the file. Patterns use *, ? and [...] within one directory
// (Go's path.Match); "**" is refused. Every pattern must match at least one
// file when the job runs (validate checks it).
//
// # get_objects
//
//	get_objects:
//	  uris: ["eml:///dataspace('demo')/resqml20.obj_Grid2dRepresentation(<uuid>)"]
//	  # or: types: [resqml20.obj_Grid2dRepresentation, eml20.*]
//	  dir: out/objects                             # required
//
// Writes the objects' XML into dir: either the listed URIs, or every object of
// the listed types in the task's dataspace. Set uris or types, not both.
//
// # delete_objects
//
//	delete_objects:
//	  uris: [...]                        # required
//	  prune_contained_objects: false     # default false
//
// # upload_array
//
//	upload_array:
//	  file: data/z.npy          # required; .npy, or raw (any other extension)
//	  uri: "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(<uuid>)"
//	  path: /RESQML/<uuid>/points_patch0
//	  # raw files only:
//	  # format: raw             # default: npy for *.npy files, raw otherwise
//	  # dtype: float64          # required for raw
//	  # shape: [100, 200]       # required for raw; slowest-varying first
//	  # byte_order: little      # little (default) or big
//
// uri is the data object that owns the array: for RESQML 2.0.1 the
// eml20.obj_EpcExternalPartReference, for RESQML 2.2 the object itself. path is
// the array's path in resource (its HDF5 dataset path) and starts with "/". A
// .npy file's header gives dtype, shape and byte order, so those keys are only
// for raw files: headerless elements in row-major (C) order, whose size must be
// dtype size x product of shape. dtype is one of bool, int8, uint8, int16,
// uint16, int32, uint32, int64, uint64, float32, float64.
//
// # download_array
//
//	download_array:
//	  uri: ...                  # required, as for upload_array
//	  path: ...                 # required
//	  file: out/z.npy           # required; replaced if it exists
//	  format: npy               # default: npy for *.npy files, raw otherwise
//	  byte_order: little        # raw output only; little (default) or big
//	  verify_against: data/z.npy  # optional: fail unless the download equals it
//
// Output directories are created as needed. Two tasks may not write the same file.
//
// # list
//
//	list:
//	  output: out/resources.json   # optional; default: the run report only
//	  types: [resqml20.*]          # optional; default: all types
//
// Lists the resources of the task's dataspace.
//
// # copy
//
//	copy:
//	  from: {server: prod, dataspace: demo/Volve}   # each key defaults to the task's
//	  to: {server: embedded, dataspace: demo/copy}  # the target dataspace must exist
//	  types: [resqml20.*]        # optional filter; or uris: [...] in from's dataspace
//	  arrays: true               # also copy the objects' arrays; default true
//
// Copies data objects between dataspaces, on one server or two. from and to
// must differ.
//
// # import_epc
//
//	import_epc:
//	  file: models/volve.epc     # required; an EPC package (.epc)
//	  hdf5: models/volve.h5      # optional: one HDF5 file for every EpcExternalPartReference
//	  # or, per EpcExternalPartReference uuid:
//	  # hdf5:
//	  #   3ee0ef4f-7e54-4b4a-9aab-b1ee2a73d2e6: models/volve.h5
//	  transaction: true          # default true
//	  check_references: true     # default true
//
// Stores every data object of the package in the task's dataspace, and the
// arrays its objects point at from the package's HDF5 files. Each
// EpcExternalPartReference of the package names its HDF5 file (relative to
// the package); hdf5 replaces that: a single file (or a list of one) stands
// for every EpcExternalPartReference, a mapping from uuid to file for the
// listed ones only. With transaction, everything is written in one ETP
// transaction, committed when all is stored and rolled back otherwise. With
// check_references, the task fails before writing anything when an object
// refers to an object that is not in the package or an array's HDF5 file or
// dataset is missing. Job.Check verifies that file and the hdf5 files exist
// (unless another task of the job writes them).
//
// # export_epc
//
//	export_epc:
//	  file: out/model.epc        # required; replaced if it exists
//	  hdf5: out/model.h5         # default: file with .h5 for its extension
//	  types: [resqml20.*]        # optional filter; default: every object
//	  # or uris: [...]           # chosen objects, in the task's dataspace
//	  include_referenced: true   # default true
//
// Writes objects of the task's dataspace to an EPC package, and their arrays
// to one HDF5 file, which the package's EpcExternalPartReference objects name
// relative to the package. Set types or uris, not both; with neither, every
// object of the dataspace is exported. With include_referenced, the objects
// the chosen ones refer to (directly or through others) are exported too, so
// the package has no dangling references. The package is written to a
// temporary file and renamed into place when complete.
//
// import_epc and export_epc run at top level only, never inside a
// transaction task: import_epc opens its own transaction.
//
// # transaction
//
//	tasks:
//	  - name: load
//	    server: prod
//	    dataspace: demo/Volve
//	    retries: 1
//	    transaction:
//	      message: nightly load     # optional, shown by the server
//	      tasks:
//	        - name: load-objects
//	          put_objects: {files: ["data/*.xml"]}
//	        - name: load-z
//	          depends_on: [load-objects]
//	          upload_array: {file: data/z.npy, uri: ..., path: ...}
//
// Runs its tasks in one ETP transaction on one session, committed if all
// succeed and rolled back otherwise; OSDU stores require writes to be in a
// transaction. The nested tasks use the transaction task's server and
// dataspace, and its retries and timeout apply to the whole group, so nested
// tasks set none of these. They may depend on each other but not on tasks
// outside; outside tasks depend on the transaction task, not on its members.
// Allowed inside: put_objects, get_objects, delete_objects, upload_array,
// download_array, list. Task names are unique across the whole job, nested
// tasks included.
//
// # Values
//
// Durations use Go syntax: 90s, 5m, 1h30m (no days: write 24h). A bare number
// is an error, since its unit would be a guess.
//
// Sizes are whole numbers with an optional unit: 65536, 64KiB, 16MiB, 1GiB
// (powers of 1024) or 64KB, 16MB, 1GB (powers of 1000); case and a space before
// the unit do not matter.
//
// Paths are relative to the job file's directory unless absolute; "~" is not
// expanded (use ${HOME}).
//
// URIs are canonical ETP 1.2 data object URIs:
// eml:///dataspace('<path>')/<domain><version>.<Type>(<uuid>), optionally with
// (uuid=<uuid>,version='<v>'); a quote inside the dataspace path is doubled.
// In YAML, quote URIs: they contain quotes and parentheses.
//
// Types are qualified data object types: resqml20.obj_Grid2dRepresentation,
// eml20.obj_EpcExternalPartReference, witsml21.Well, or a whole domain version
// as resqml20.*.
//
// Booleans are true or false. Numbers may be quoted.
//
// # Environment variables
//
// ${NAME} in a value is replaced by the environment variable NAME; an unset
// variable is an error that names it. ${NAME:-default} uses default when NAME
// is unset or empty; defaults may contain ${...} themselves. $$ stands for a
// literal $, and any other $ is an error. Expansion happens after the YAML is
// read, value by value, so an expanded value is only ever text: it cannot add
// keys or list entries. Task names, depends_on and token_env are never
// expanded. Messages show the job's own text (such as "${ETP_URI}"), never an
// expanded value. Inside flow collections ({...} or [...]) put ${...} in
// quotes, because YAML reads { and } there. [ParseOptions].NoExpandEnv turns
// expansion off.
//
// # YAML features
//
// Anchors and aliases work, and so do merge keys:
//
//	x-prod: &prod {server: prod, dataspace: demo/Volve, retries: 5}
//	tasks:
//	  - <<: *prod
//	    name: list-prod
//	    list: {}
//
// A job file holds one YAML document, at most 8 MiB and 10000 tasks. Tabs may
// not indent YAML.
//
// # Errors
//
// Every problem is reported as file:line:column: path: message, sorted by
// position, up to 20 at a time. path names the value, like
// tasks[2].upload_array.uri (tasks counted from 0).
//
// # Sharding
//
// With n workers, worker i runs the tasks [Job.Shard] returns for (i, n): tasks connected through
// depends_on (and the members of a transaction) stay together, groups are
// spread so each worker gets about the same number of tasks, and every
// worker computes the same split from the same job file.
package jobs
