package server

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// Dataspace protocol (24), BRIEF 6.3.

func dataspaceRecord(d storage.Dataspace) etp.Dataspace {
	return etp.Dataspace{URI: etp.DataspaceURI(d.Path), Path: d.Path, StoreLastWrite: d.StoreLastWrite,
		StoreCreated: d.StoreCreated, CustomData: decodeCustomData(d.CustomData)}
}

// getDataspaces lists the dataspaces (the default one, eml:///, included),
// written after the filter when one is given, at most MaxResponseCount of
// them; a longer list ends with ERESPONSECOUNT_EXCEEDED (BRIEF 4.4).
func (s *session) getDataspaces(h etp.MessageHeader, m *etp.GetDataspaces) {
	f := storage.DataspaceFilter{Limit: s.srv.opts.MaxResponseCount}
	if m.StoreLastWriteFilter != nil {
		f.LastWriteAfter = *m.StoreLastWriteFilter
		if f.LastWriteAfter <= 0 {
			f.LastWriteAfter = 0
		}
	}
	list, more, err := s.dataspaceLister().ListDataspaces(f)
	if err != nil {
		ei := s.storageError(err)
		s.sendError(h, ei.Code, ei.Message)
		return
	}
	records := make([]etp.Dataspace, len(list))
	for i, d := range list {
		records[i] = dataspaceRecord(d)
	}
	r := s.respond(h)
	sendList(r, records, func(v []etp.Dataspace) etp.Message { return &etp.GetDataspacesResponse{Dataspaces: v} },
		func(d *etp.Dataspace) int {
			return etp.EncodedSize(&etp.GetDataspacesResponse{Dataspaces: []etp.Dataspace{*d}})
		})
	if more {
		r.add(responseCountExceeded(s.srv.opts.MaxResponseCount, "dataspaces"))
	}
	r.finish()
}

// dataspaceLister returns where to list dataspaces: the session's first
// read-write transaction (which sees the dataspaces it created), else the
// store.
func (s *session) dataspaceLister() storage.ReadWriter {
	s.txmu.Lock()
	defer s.txmu.Unlock()
	for _, t := range s.txs {
		if t.tx != nil {
			return t.tx
		}
	}
	return s.srv.db
}

func responseCountExceeded(n int, what string) *etp.ProtocolException {
	return &etp.ProtocolException{Error: &etp.ErrorInfo{Code: etp.EResponseCountExceeded,
		Message: fmt.Sprintf("more %s than the MaxResponseCount of %d; the first %d were sent", what, n, n)}}
}

// sendList adds array-response parts holding items, split to fit the
// session limit (BRIEF 4.2). size returns the encoded size of a response
// holding only that item. An empty list is sent as one empty response.
// Items too large for any message are skipped and logged.
func sendList[T any](r *responder, items []T, build func([]T) etp.Message, size func(*T) int) {
	empty := build(nil)
	emptySize := etp.EncodedSize(empty)
	capacity := r.s.partCapacity(empty)
	if len(items) == 0 {
		r.add(empty)
		return
	}
	start, used := 0, 0
	for i := range items {
		n := size(&items[i]) - emptySize + 1
		if n > capacity {
			r.s.log.Error("etp/server: list item too large for one message; skipped", "bytes", n)
			if i > start {
				r.add(build(items[start:i]))
			}
			start, used = i+1, 0
			continue
		}
		if used+n > capacity {
			r.add(build(items[start:i]))
			start, used = i, 0
		}
		used += n
	}
	if start < len(items) {
		r.add(build(items[start:]))
	}
}

// putDataspaces creates dataspaces. As on OSDU open-etp-server, putting a
// dataspace that exists is refused with EINVALID_ARGUMENT (BRIEF 6.3).
func (s *session) putDataspaces(h etp.MessageHeader, m *etp.PutDataspaces) {
	errs := map[string]etp.ErrorInfo{}
	var entries []mapEntry[string]
	build := func(v map[string]string) etp.Message { return &etp.PutDataspacesResponse{Success: v} }
	for _, k := range slices.Sorted(maps.Keys(m.Dataspaces)) {
		d := m.Dataspaces[k]
		if ei := s.putDataspace(&d); ei != nil {
			errs[k] = *ei
			continue
		}
		entries = append(entries, okEntry(build, k))
	}
	sendMap(s, h, entries, errs, build)
}

// okEntry is a success entry with an empty string value.
func okEntry(build func(map[string]string) etp.Message, key string) mapEntry[string] {
	return mapEntry[string]{key: key, bound: entrySize(build, key, ""),
		load: func() (string, *etp.ErrorInfo) { return "", nil }}
}

func (s *session) putDataspace(d *etp.Dataspace) *etp.ErrorInfo {
	u, err := etp.ParseURI(d.URI)
	if err != nil {
		return errInfo(etp.EInvalidURI, "%v", err)
	}
	if !u.IsDataspace() {
		return errInfo(etp.EInvalidURI, "%q is a data object URI, not a dataspace URI", d.URI)
	}
	if d.Path != "" && d.Path != u.Dataspace {
		return errInfo(etp.EInvalidArgument, "path %q does not match the dataspace %q of the URI %s", d.Path, u.Dataspace, d.URI)
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	if _, err := rw.GetDataspace(u.Dataspace); err == nil {
		return errInfo(etp.EInvalidArgument, "dataspace %s already exists", etp.DataspaceURI(u.Dataspace))
	}
	custom, err := encodeCustomData(d.CustomData)
	if err != nil {
		return errInfo(etp.EInvalidArgument, "customData: %v", err)
	}
	if _, err := rw.PutDataspace(storage.Dataspace{Path: u.Dataspace, CustomData: custom}); err != nil {
		return s.storageError(err)
	}
	return nil
}

// deleteDataspaces deletes dataspaces. A dataspace that still holds data
// objects or arrays is refused with EREQUEST_DENIED unless the server was
// configured with DeleteDataspaceCascade; the default dataspace cannot be
// deleted.
func (s *session) deleteDataspaces(h etp.MessageHeader, m *etp.DeleteDataspaces) {
	errs := map[string]etp.ErrorInfo{}
	var entries []mapEntry[string]
	build := func(v map[string]string) etp.Message { return &etp.DeleteDataspacesResponse{Success: v} }
	for _, k := range slices.Sorted(maps.Keys(m.URIs)) {
		if ei := s.deleteDataspace(m.URIs[k]); ei != nil {
			errs[k] = *ei
			continue
		}
		entries = append(entries, okEntry(build, k))
	}
	sendMap(s, h, entries, errs, build)
}

func (s *session) deleteDataspace(uri string) *etp.ErrorInfo {
	u, err := etp.ParseURI(uri)
	if err != nil {
		return errInfo(etp.EInvalidURI, "%v", err)
	}
	if !u.IsDataspace() {
		return errInfo(etp.EInvalidURI, "%q is a data object URI, not a dataspace URI", uri)
	}
	if u.Dataspace == "" {
		return errInfo(etp.ERequestDenied, "the default dataspace eml:/// cannot be deleted")
	}
	rw, ei := s.rwFor(u.Dataspace, true)
	if ei != nil {
		return ei
	}
	if err := rw.DeleteDataspace(u.Dataspace, s.srv.opts.DeleteDataspaceCascade); err != nil {
		ei := s.storageError(err)
		if errors.Is(err, storage.ErrNotEmpty) {
			ei.Message = clipText(err.Error() + ": delete its data objects first (this store does not cascade)")
		}
		return ei
	}
	return nil
}
