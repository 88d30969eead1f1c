package etp

import "context"

// Dataspace protocol (24) requests (BRIEF 6.3).

// GetDataspaces lists every dataspace of the store. The response may come in
// several parts; they are concatenated. When the store truncates the list at
// its MaxResponseCount it ends the response with ERESPONSECOUNT_EXCEEDED
// (BRIEF 4.4): GetDataspaces then returns the dataspaces received and that
// *ProtocolError. Safe for concurrent use.
func (s *Session) GetDataspaces(ctx context.Context) ([]Dataspace, error) {
	return listRequest(ctx, s, &GetDataspaces{}, func(r *GetDataspacesResponse) []Dataspace { return r.Dataspaces })
}

// GetDataspacesSince lists the dataspaces written after storeLastWrite (UTC
// microseconds since the Unix epoch); otherwise like GetDataspaces.
func (s *Session) GetDataspacesSince(ctx context.Context, storeLastWrite int64) ([]Dataspace, error) {
	return listRequest(ctx, s, &GetDataspaces{StoreLastWriteFilter: &storeLastWrite},
		func(r *GetDataspacesResponse) []Dataspace { return r.Dataspaces })
}

// PutDataspaces creates or updates dataspaces, keyed by caller-chosen keys
// (fill URI and Path, e.g. URI DataspaceURI("demo") and Path "demo"; OSDU
// servers read access control from CustomData, BRIEF 6.3). The result maps
// each key to the server's success string or its error; when any key failed
// the error is the KeyErrors of the result. An empty map sends nothing.
func (s *Session) PutDataspaces(ctx context.Context, dataspaces map[string]Dataspace) (*MapResult[string], error) {
	return mapRequest(ctx, s, &PutDataspaces{Dataspaces: dataspaces}, dataspaces,
		func(r *PutDataspacesResponse) map[string]string { return r.Success })
}

// DeleteDataspaces deletes dataspaces: uris maps caller-chosen keys to
// dataspace URIs. Results and errors per key as for PutDataspaces.
func (s *Session) DeleteDataspaces(ctx context.Context, uris map[string]string) (*MapResult[string], error) {
	return mapRequest(ctx, s, &DeleteDataspaces{URIs: uris}, uris,
		func(r *DeleteDataspacesResponse) map[string]string { return r.Success })
}
