package server

import (
	"fmt"
	"slices"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Discovery protocol (3), BRIEF 6.5. The graph is the references between
// data objects found in their XML (EML DataObjectReference elements), all
// primary edges inside one dataspace.

// listPage is the number of objects read from the store at a time.
const listPage = 1000

// objectGraph resolves references lazily for one request.
type objectGraph struct {
	s       *session
	rw      storage.ReadWriter
	ds      string
	targets map[string][]string
	sources map[string][]string // nil until built
	infos   map[string]storage.ObjectInfo
}

func (g *objectGraph) info(uri string) (storage.ObjectInfo, bool) {
	if o, ok := g.infos[uri]; ok {
		return o, true
	}
	o, err := g.rw.GetObjectInfo(uri)
	if err != nil {
		return o, false
	}
	g.infos[uri] = o
	return o, true
}

// targetsOf returns the URIs of the existing objects uri refers to.
func (g *objectGraph) targetsOf(uri string) []string {
	if t, ok := g.targets[uri]; ok {
		return t
	}
	var out []string
	if o, err := g.rw.GetObject(uri); err == nil {
		if x, err := parseObjectXML(o.Data, true); err == nil {
			for _, r := range x.refs {
				id, err := etp.ParseUUID(r.uuid)
				if err != nil {
					continue
				}
				t := etp.ObjectURI(g.ds, r.qualifiedType, id)
				if _, ok := g.info(t); ok && t != uri && !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	slices.Sort(out)
	g.targets[uri] = out
	return out
}

// sourcesOf returns the URIs of the objects that refer to uri; the first
// call reads every object of the dataspace.
func (g *objectGraph) sourcesOf(uri string) ([]string, error) {
	if g.sources == nil {
		g.sources = map[string][]string{}
		after := ""
		for {
			list, more, err := g.rw.ListObjects(g.ds, storage.ObjectFilter{After: after, Limit: listPage})
			if err != nil {
				return nil, err
			}
			for _, o := range list {
				g.infos[o.URI] = o
				for _, t := range g.targetsOf(o.URI) {
					g.sources[t] = append(g.sources[t], o.URI)
				}
			}
			if !more || len(list) == 0 {
				break
			}
			after = list[len(list)-1].URI
		}
	}
	return g.sources[uri], nil
}

// resourceFilter applies the type, time and status filters of the request.
type resourceFilter struct {
	types     []string
	lastWrite int64
	status    *etp.ActiveStatusKind
}

func (f *resourceFilter) keep(o storage.ObjectInfo) bool {
	if len(f.types) > 0 && !anyTypeMatch(f.types, o.Type) {
		return false
	}
	if f.lastWrite > 0 && o.StoreLastWrite <= f.lastWrite {
		return false
	}
	return f.status == nil || activeStatus(o.StoreLastWrite) == *f.status
}

func (s *session) getResources(h etp.MessageHeader, m *etp.GetResources) {
	c := m.Context
	u, err := etp.ParseURI(c.URI)
	if err != nil {
		s.sendError(h, etp.EInvalidURI, err.Error())
		return
	}
	if u.Version != "" {
		s.sendError(h, etp.ENotSupported, "this store keeps no object versions")
		return
	}
	for _, t := range c.DataObjectTypes {
		if err := checkTypePattern(t); err != nil {
			s.sendError(h, etp.EInvalidArgument, "dataObjectTypes: "+err.Error())
			return
		}
	}
	rw, ei := s.rwFor(u.Dataspace, false)
	if ei != nil {
		s.sendError(h, ei.Code, ei.Message)
		return
	}
	if _, err := rw.GetDataspace(u.Dataspace); err != nil {
		ei := s.storageError(err)
		s.sendError(h, ei.Code, ei.Message)
		return
	}
	f := resourceFilter{types: c.DataObjectTypes, status: m.ActiveStatusFilter}
	if m.StoreLastWriteFilter != nil {
		f.lastWrite = *m.StoreLastWriteFilter
	}
	g := &objectGraph{s: s, rw: rw, ds: u.Dataspace, targets: map[string][]string{}, infos: map[string]storage.ObjectInfo{}}
	limit := s.srv.opts.MaxResponseCount
	var found []storage.ObjectInfo
	var edges []etp.Edge
	more := false
	if u.IsDataspace() {
		found, more, err = s.listDataspace(rw, u.Dataspace, m, &f, limit)
		if err == nil && m.IncludeEdges {
			in := map[string]bool{}
			for _, o := range found {
				in[o.URI] = true
			}
			for _, o := range found {
				for _, t := range g.targetsOf(o.URI) {
					if in[t] {
						edges = append(edges, primaryEdge(o.URI, t))
					}
				}
			}
		}
	} else {
		start, ok := g.info(u.String())
		if !ok {
			s.sendError(h, etp.ENotFound, fmt.Sprintf("data object %s not found", u))
			return
		}
		found, edges, more, err = g.walk(start, m, &f, limit)
	}
	if err != nil {
		ei := s.storageError(err)
		s.sendError(h, ei.Code, ei.Message)
		return
	}
	resources := make([]etp.Resource, len(found))
	for i, o := range found {
		resources[i] = resourceOf(o)
		if m.CountObjects {
			targets := int32(len(g.targetsOf(o.URI)))
			srcs, err := g.sourcesOf(o.URI)
			if err != nil {
				ei := s.storageError(err)
				s.sendError(h, ei.Code, ei.Message)
				return
			}
			sources := int32(len(srcs))
			resources[i].TargetCount, resources[i].SourceCount = &targets, &sources
		}
	}
	r := s.respond(h)
	sendList(r, resources, func(v []etp.Resource) etp.Message { return &etp.GetResourcesResponse{Resources: v} },
		func(x *etp.Resource) int {
			return etp.EncodedSize(&etp.GetResourcesResponse{Resources: []etp.Resource{*x}})
		})
	if len(edges) > 0 {
		sendList(r, edges, func(v []etp.Edge) etp.Message { return &etp.GetResourcesEdgesResponse{Edges: v} },
			func(x *etp.Edge) int { return etp.EncodedSize(&etp.GetResourcesEdgesResponse{Edges: []etp.Edge{*x}}) })
	}
	if more {
		r.add(responseCountExceeded(limit, "resources"))
	}
	r.finish()
}

func primaryEdge(src, dst string) etp.Edge {
	return etp.Edge{SourceURI: src, TargetURI: dst, RelationshipKind: etp.RelationshipPrimary,
		CustomData: map[string]etp.DataValue{}}
}

// listDataspace lists the objects of a dataspace: scope self (depth
// ignored), or targets/targetsOrSelf with depth >= 1, as open-etp-server
// does (BRIEF 6.5). Nothing refers to a dataspace, so sources scopes and
// depth 0 list nothing.
func (s *session) listDataspace(rw storage.ReadWriter, ds string, m *etp.GetResources, f *resourceFilter,
	limit int) ([]storage.ObjectInfo, bool, error) {
	switch m.Scope {
	case etp.ContextScopeSelf:
	case etp.ContextScopeTargets, etp.ContextScopeTargetsOrSelf:
		if m.Context.Depth < 1 {
			return nil, false, nil
		}
	default:
		return nil, false, nil
	}
	var out []storage.ObjectInfo
	after := ""
	for {
		list, more, err := rw.ListObjects(ds, storage.ObjectFilter{Types: f.types, LastWriteAfter: max(f.lastWrite, 0),
			After: after, Limit: listPage})
		if err != nil {
			return nil, false, err
		}
		for _, o := range list {
			if !f.keep(o) {
				continue
			}
			if len(out) == limit {
				return out, true, nil
			}
			out = append(out, o)
		}
		if !more || len(list) == 0 {
			return out, false, nil
		}
		after = list[len(list)-1].URI
	}
}

// walk follows primary edges from start up to the request's depth in the
// direction of its scope.
func (g *objectGraph) walk(start storage.ObjectInfo, m *etp.GetResources, f *resourceFilter,
	limit int) ([]storage.ObjectInfo, []etp.Edge, bool, error) {
	scope := m.Scope
	self := scope == etp.ContextScopeSelf || scope == etp.ContextScopeSourcesOrSelf || scope == etp.ContextScopeTargetsOrSelf
	forward := scope == etp.ContextScopeTargets || scope == etp.ContextScopeTargetsOrSelf
	backward := scope == etp.ContextScopeSources || scope == etp.ContextScopeSourcesOrSelf
	depth := int(m.Context.Depth)
	if scope == etp.ContextScopeSelf || m.Context.NavigableEdges == etp.RelationshipSecondary {
		depth = 0
	}
	visited := map[string]bool{start.URI: true}
	order := []string{}
	var edges []etp.Edge
	frontier := []string{start.URI}
	for level := 0; level < depth && len(frontier) > 0; level++ {
		var next []string
		for _, uri := range frontier {
			var nbrs []string
			if forward {
				nbrs = g.targetsOf(uri)
			} else if backward {
				var err error
				if nbrs, err = g.sourcesOf(uri); err != nil {
					return nil, nil, false, err
				}
			}
			for _, n := range nbrs {
				if forward {
					edges = append(edges, primaryEdge(uri, n))
				} else {
					edges = append(edges, primaryEdge(n, uri))
				}
				if !visited[n] {
					visited[n] = true
					order = append(order, n)
					next = append(next, n)
				}
			}
		}
		frontier = next
	}
	var out []storage.ObjectInfo
	more := false
	in := map[string]bool{}
	add := func(o storage.ObjectInfo) {
		if !f.keep(o) {
			return
		}
		if len(out) == limit {
			more = true
			return
		}
		out = append(out, o)
		in[o.URI] = true
	}
	if self {
		add(start)
	}
	for _, uri := range order {
		if o, ok := g.info(uri); ok {
			add(o)
		}
	}
	var kept []etp.Edge
	if m.IncludeEdges {
		for _, e := range edges {
			if (in[e.SourceURI] || e.SourceURI == start.URI) && (in[e.TargetURI] || e.TargetURI == start.URI) {
				kept = append(kept, e)
			}
		}
	}
	return out, kept, more, nil
}
