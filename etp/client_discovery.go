package etp

import "context"

// Discovery protocol (3) requests (BRIEF 6.5).

// GetResourcesOptions are the optional fields of GetResources. A nil pointer
// means all defaults (the zero value of every field).
type GetResourcesOptions struct {
	// CountObjects asks the store to fill Resource.SourceCount and
	// TargetCount. Default false.
	CountObjects bool
	// StoreLastWriteFilter, when set, keeps resources written after it (UTC
	// microseconds). Default nil: no filter.
	StoreLastWriteFilter *int64
	// ActiveStatusFilter, when set, keeps resources of that status. Default
	// nil: no filter.
	ActiveStatusFilter *ActiveStatusKind
	// IncludeEdges asks for the edges of the walk too (returned as the second
	// result). Default false.
	IncludeEdges bool
}

// GetResources walks the store's graph from ci.URI in the direction of scope
// (for a dataspace listing: ci.URI the dataspace URI and scope
// ContextScopeSelf, or ContextScopeTargets with depth >= 1, BRIEF 6.5) and
// returns the resources and, with IncludeEdges, the edges, concatenated over
// every part of the response. When the store truncates the answer at its
// MaxResponseCount (ERESPONSECOUNT_EXCEEDED) the items received are returned
// with that *ProtocolError. Safe for concurrent use.
func (s *Session) GetResources(ctx context.Context, ci ContextInfo, scope ContextScopeKind,
	opts *GetResourcesOptions) ([]Resource, []Edge, error) {
	req := &GetResources{Context: ci, Scope: scope}
	if opts != nil {
		req.CountObjects = opts.CountObjects
		req.StoreLastWriteFilter = opts.StoreLastWriteFilter
		req.ActiveStatusFilter = opts.ActiveStatusFilter
		req.IncludeEdges = opts.IncludeEdges
	}
	resp, err := s.Request(ctx, req)
	if resp == nil {
		return nil, nil, err
	}
	var resources []Resource
	var edges []Edge
	for _, part := range resp.Parts {
		switch b := part.Body.(type) {
		case *GetResourcesResponse:
			resources = append(resources, b.Resources...)
		case *GetResourcesEdgesResponse:
			edges = append(edges, b.Edges...)
		case *ProtocolException:
		default:
			return nil, nil, unexpectedPart("GetResources", part)
		}
	}
	return resources, edges, err
}

// GetDeletedResources lists the resources deleted from the dataspace
// dataspaceURI, optionally only those deleted after deleteTimeFilter (UTC
// microseconds; nil for all) and of the given qualified types (empty for
// all). Truncation is reported as for GetResources.
func (s *Session) GetDeletedResources(ctx context.Context, dataspaceURI string, deleteTimeFilter *int64,
	dataObjectTypes []string) ([]DeletedResource, error) {
	return listRequest(ctx, s, &GetDeletedResources{DataspaceURI: dataspaceURI, DeleteTimeFilter: deleteTimeFilter,
		DataObjectTypes: dataObjectTypes}, func(r *GetDeletedResourcesResponse) []DeletedResource {
		return r.DeletedResources
	})
}
