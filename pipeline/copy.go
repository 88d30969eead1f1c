package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/jobs"
	"github.com/etp-transfer/etp-transfer/pipeline/epc"
	"github.com/etp-transfer/etp-transfer/pipeline/transfer"
)

// epcType is the qualified type of the RESQML 2.0.1 HDF proxy that owns the
// arrays of the objects referring to it.
const epcType = "eml20.obj_EpcExternalPartReference"

// copy copies data objects (and, with arrays, the arrays they refer to) from
// one dataspace to another, possibly on another server, streaming: nothing
// goes through a local file. Objects keep their type and uuid; only the
// dataspace of their URI changes. What a failed attempt already copied is
// not copied again by the retry.
func (r *runner) copy(ctx context.Context, fromSessions []*etp.Session, t *jobs.Task, st *taskState, rep *TaskReport) error {
	c := t.Copy
	toPool, err := r.pools.get(ctx, c.To.Server)
	if err != nil {
		return err
	}
	toSessions, err := toPool.all(ctx)
	if err != nil {
		return err
	}
	from, to := fromSessions[0], toSessions[0]
	if st.copied == nil {
		st.copied = map[string]bool{}
	}
	uris := c.URIs
	if len(uris) == 0 {
		res, err := resources(ctx, from, c.From.Dataspace, c.Types)
		rep.Messages++
		if err != nil {
			return err
		}
		for _, r := range res {
			uris = append(uris, r.URI)
		}
		sort.Strings(uris)
	}
	rep.Objects = 0
	for start := 0; start < len(uris); start += 50 {
		keys := map[string]string{}
		for i, u := range uris[start:min(start+50, len(uris))] {
			if !st.copied[u] {
				keys[strconv.Itoa(start+i)] = u
			}
		}
		if len(keys) == 0 {
			continue
		}
		res, err := from.GetDataObjects(ctx, keys)
		rep.Messages++
		if err != nil {
			return fmt.Errorf("GetDataObjects from %s: %w", c.From.Server, namedKeys(err, keys))
		}
		put := map[string]etp.DataObject{}
		var arrays []epc.ArrayRef
		for k, o := range res.Success {
			u, err := etp.ParseURI(o.Resource.URI)
			if err != nil {
				return fmt.Errorf("source object %s: %w", keys[k], err)
			}
			uuid, err := etp.ParseUUID(u.UUID)
			if err != nil {
				return fmt.Errorf("source object %s: %w", keys[k], err)
			}
			o.Resource.URI = etp.ObjectURI(c.To.Dataspace, u.QualifiedType, uuid)
			put[keys[k]] = o
			if c.Arrays {
				desc, err := epc.Describe(o.Data)
				if err != nil {
					return permanent(fmt.Errorf("source object %s: %w", keys[k], err))
				}
				for _, ref := range desc.Arrays {
					if ref.ProxyUUID == "" {
						ref.ProxyUUID = u.UUID // RESQML 2.2: the array hangs off the object itself
					}
					arrays = append(arrays, ref)
				}
			}
		}
		if err := putBatches(ctx, to, put, rep); err != nil {
			return fmt.Errorf("to %s: %w", c.To.Server, err)
		}
		arrays = uniqueArrays(arrays)
		var mu sync.Mutex
		err = arraysInParallel(ctx, len(arrays), r.job.Servers[c.To.Server].InFlight, func(ctx context.Context, i, inFlight int) error {
			return r.copyArray(ctx, fromSessions, toSessions, t, arrays[i], inFlight, st, rep, &mu)
		})
		if err != nil {
			return err
		}
		for _, u := range keys {
			st.copied[u] = true
		}
	}
	return nil
}

// copyArray streams one referenced array, unless a previous attempt did.
// mu guards st and rep, shared by the arrays copied in parallel.
func (r *runner) copyArray(ctx context.Context, from, to []*etp.Session, t *jobs.Task, a epc.ArrayRef, inFlight int,
	st *taskState, rep *TaskReport, mu *sync.Mutex) error {
	c := t.Copy
	uuid, err := etp.ParseUUID(a.ProxyUUID)
	if err != nil {
		return permanent(fmt.Errorf("array %s: HDF proxy uuid %q: %w", a.Path, a.ProxyUUID, err))
	}
	src := etp.DataArrayIdentifier{URI: etp.ObjectURI(c.From.Dataspace, epcType, uuid), PathInResource: a.Path}
	dst := etp.DataArrayIdentifier{URI: etp.ObjectURI(c.To.Dataspace, epcType, uuid), PathInResource: a.Path}
	done := "array " + src.URI + " " + src.PathInResource
	mu.Lock()
	copied := st.copied[done]
	mu.Unlock()
	if copied {
		return nil
	}
	stats, err := transfer.Copy(ctx, clients(from), clients(to), src, dst, &transfer.Options{InFlight: inFlight})
	mu.Lock()
	defer mu.Unlock()
	rep.Bytes += stats.Bytes
	rep.Messages += stats.Messages
	if err != nil {
		return arrayError(src.URI, src.PathInResource, err)
	}
	st.copied[done] = true
	return nil
}

// uniqueArrays drops repeated (proxy, path) pairs: several objects may
// refer to one array.
func uniqueArrays(refs []epc.ArrayRef) []epc.ArrayRef {
	seen := map[[2]string]bool{}
	out := refs[:0]
	for _, a := range refs {
		k := [2]string{a.ProxyUUID, a.Path}
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}
