package server

import (
	"fmt"
	"slices"
	"testing"

	"github.com/etp-transfer/etp-transfer/etp"
)

func resourcesOf(t *testing.T, a answer) ([]etp.Resource, []etp.Edge) {
	t.Helper()
	var rs []etp.Resource
	var es []etp.Edge
	for _, p := range a.parts {
		switch b := p.(type) {
		case *etp.GetResourcesResponse:
			rs = append(rs, b.Resources...)
		case *etp.GetResourcesEdgesResponse:
			es = append(es, b.Edges...)
		default:
			t.Fatalf("unexpected part %T", p)
		}
	}
	return rs, es
}

func uris(rs []etp.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.URI)
	}
	slices.Sort(out)
	return out
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{MaxResponseCount: 50})
	c, _ := openRaw(t, url, 8<<10)
	putDataspace(t, c, "disc")
	crs := newTestObject("disc", "resqml20.obj_LocalDepth3dCrs", "crs", 0)
	epc := newTestObject("disc", "eml20.obj_EpcExternalPartReference", "epc", 0)
	grid := newTestObject("disc", "resqml20.obj_Grid2dRepresentation", "grid", 0,
		[2]string{crs.typ, crs.uuid.String()}, [2]string{epc.typ, epc.uuid.String()},
		[2]string{"resqml20.obj_Missing", nilUUIDText})
	prop := newTestObject("disc", "resqml20.obj_ContinuousProperty", "prop", 0, [2]string{grid.typ, grid.uuid.String()})
	objs := map[string]etp.DataObject{"crs": crs.dataObject(), "epc": epc.dataObject(), "grid": grid.dataObject(), "prop": prop.dataObject()}
	merge(t, c.request(&etp.PutDataObjects{DataObjects: objs}), 0).noErrors(t)
	ds := etp.DataspaceURI("disc")
	get := func(uri string, scope etp.ContextScopeKind, depth int32, types []string, count, edges bool) answer {
		return merge(t, c.request(&etp.GetResources{Context: etp.ContextInfo{URI: uri, Depth: depth, DataObjectTypes: types},
			Scope: scope, CountObjects: count, IncludeEdges: edges}), 8<<10)
	}
	all := uris([]etp.Resource{{URI: crs.uri}, {URI: epc.uri}, {URI: grid.uri}, {URI: prop.uri}})
	tests := []struct {
		name  string
		uri   string
		scope etp.ContextScopeKind
		depth int32
		types []string
		want  []string
	}{
		{"dataspace self", ds, etp.ContextScopeSelf, 0, nil, all},
		{"dataspace targets", ds, etp.ContextScopeTargets, 1, nil, all},
		{"dataspace targets depth 0", ds, etp.ContextScopeTargets, 0, nil, nil},
		{"dataspace sources", ds, etp.ContextScopeSources, 1, nil, nil},
		{"type filter", ds, etp.ContextScopeSelf, 1, []string{"resqml20.obj_Grid2dRepresentation", "eml20.*"},
			uris([]etp.Resource{{URI: grid.uri}, {URI: epc.uri}})},
		{"object self", grid.uri, etp.ContextScopeSelf, 3, nil, []string{grid.uri}},
		{"object targets", grid.uri, etp.ContextScopeTargets, 1, nil, uris([]etp.Resource{{URI: crs.uri}, {URI: epc.uri}})},
		{"object targets or self", grid.uri, etp.ContextScopeTargetsOrSelf, 1, nil,
			uris([]etp.Resource{{URI: crs.uri}, {URI: epc.uri}, {URI: grid.uri}})},
		{"two hops", prop.uri, etp.ContextScopeTargets, 2, nil, uris([]etp.Resource{{URI: crs.uri}, {URI: epc.uri}, {URI: grid.uri}})},
		{"one hop", prop.uri, etp.ContextScopeTargets, 1, nil, []string{grid.uri}},
		{"sources", crs.uri, etp.ContextScopeSources, 2, nil, uris([]etp.Resource{{URI: grid.uri}, {URI: prop.uri}})},
		{"sources filtered", crs.uri, etp.ContextScopeSourcesOrSelf, 2, []string{"resqml20.obj_ContinuousProperty"}, []string{prop.uri}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := get(tc.uri, tc.scope, tc.depth, tc.types, false, false)
			a.noErrors(t)
			rs, _ := resourcesOf(t, a)
			if got := uris(rs); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
	t.Run("counts and edges", func(t *testing.T) {
		a := get(ds, etp.ContextScopeSelf, 1, nil, true, true)
		rs, es := resourcesOf(t, a)
		for _, r := range rs {
			if r.SourceCount == nil || r.TargetCount == nil {
				t.Fatalf("%s: no counts", r.URI)
			}
			want := map[string][2]int32{crs.uri: {1, 0}, epc.uri: {1, 0}, grid.uri: {1, 2}, prop.uri: {0, 1}}[r.URI]
			if got := [2]int32{*r.SourceCount, *r.TargetCount}; got != want {
				t.Errorf("%s: counts %v, want %v", r.URI, got, want)
			}
			if r.Name == "" || r.StoreLastWrite == 0 || r.ActiveStatus != etp.ActiveStatusActive {
				t.Errorf("resource %+v", r)
			}
		}
		if len(es) != 3 {
			t.Errorf("%d edges, want 3: %v", len(es), es)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		get("eml:///dataspace('nope')", etp.ContextScopeSelf, 1, nil, false, false).wantCode(t, etp.ENotFound)
		get("bad", etp.ContextScopeSelf, 1, nil, false, false).wantCode(t, etp.EInvalidURI)
		get(ds, etp.ContextScopeSelf, 1, []string{"bad type"}, false, false).wantCode(t, etp.EInvalidArgument)
		get(newTestObject("disc", "resqml20.obj_Grid2dRepresentation", "x", 0).uri, etp.ContextScopeSelf, 1, nil, false, false).
			wantCode(t, etp.ENotFound)
		merge(t, c.request(&etp.GetDeletedResources{DataspaceURI: ds}), 0).wantCode(t, etp.ENotSupported)
	})
	t.Run("response count and multipart", func(t *testing.T) {
		putDataspace(t, c, "many")
		for i := 0; i < 60; i += 10 {
			batch := map[string]etp.DataObject{}
			for j := range 10 {
				batch[fmt.Sprint(i+j)] = newTestObject("many", "resqml20.obj_Grid2dRepresentation", fmt.Sprint(i+j), 0).dataObject()
			}
			merge(t, c.request(&etp.PutDataObjects{DataObjects: batch}), 0).noErrors(t)
		}
		small, _ := openRaw(t, url, 4096)
		a := merge(t, small.request(&etp.GetResources{Context: etp.ContextInfo{URI: etp.DataspaceURI("many"), Depth: 1},
			Scope: etp.ContextScopeSelf}), 4096)
		a.wantCode(t, etp.EResponseCountExceeded)
		rs, _ := resourcesOf(t, a)
		if len(rs) != 50 || len(a.parts) < 2 {
			t.Fatalf("%d resources in %d parts", len(rs), len(a.parts))
		}
	})
}
