// Package transfer moves one numeric array between a local source or sink
// and an ETP 1.2 store (or between two stores) with the DataArray protocol
// (BRIEF section 5), block by block, so memory does not grow with the array.
//
// Upload sends an array that fits one message as one PutDataArrays (when its
// element type is the plain one of its transport, since PutDataArrays carries
// no logical type) and otherwise allocates it with PutUninitializedDataArrays
// and writes PutDataSubarrays blocks. Download reads GetDataArrayMetadata,
// then GetDataArrays or GetDataSubarrays blocks written at their offsets as
// they arrive. Copy streams blocks from one store to another. Blocks come
// from a chunking.Plan at the smallest negotiated message limit of the
// sessions (capped by Options.BlockBytes), so every request and response fits
// one message, and Options.InFlight requests are in flight on each session;
// consecutive small blocks (a store's preferred tiles, say) share one request
// as far as it fits the limit.
// A State records finished blocks so a retry after a dropped connection
// resumes instead of restarting.
//
// ElementType documents how each local element type travels (transport and
// logical array types, BRIEF 5.3); values that cannot travel exactly are
// errors naming the element. SessionClient adapts an *etp.Session to Client.
package transfer
