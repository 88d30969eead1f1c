package server

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
	"github.com/etp-transfer/etp-transfer/etp/server/storage"
)

// txn is an open ETP transaction of a session (BRIEF 6.4). A read-write
// transaction holds a storage.Tx on its dataspaces: the session's writes to
// them go through it and stay invisible to other sessions until commit. A
// read-only transaction holds nothing; it only refuses writes.
type txn struct {
	id       etp.UUID
	readOnly bool
	spaces   []string
	held     map[string]bool
	tx       *storage.Tx
	timer    *time.Timer

	once sync.Once
}

// end stops the timer and rolls back the storage transaction if it is still
// open; safe to call more than once.
func (t *txn) end() {
	t.once.Do(func() {
		if t.timer != nil {
			t.timer.Stop()
		}
		if t.tx != nil {
			_ = t.tx.Rollback() // ErrClosed after a commit: nothing to do
		}
	})
}

// maxExpired bounds the remembered ids of timed-out transactions.
const maxExpired = 64

// handleTransaction serves StartTransaction, CommitTransaction and
// RollbackTransaction. It runs on the read loop once the requests read
// before it have finished.
func (s *session) handleTransaction(r request) {
	resp := etp.MessageHeader{Protocol: r.h.Protocol, CorrelationID: r.h.MessageID}
	switch m := r.body.(type) {
	case *etp.StartTransaction:
		s.startTransaction(r.h, m)
	case *etp.CommitTransaction:
		t, reason := s.takeTransaction(m.TransactionUUID)
		if t == nil {
			s.transactionMissing(r.h, m.TransactionUUID, reason, true)
			return
		}
		out := &etp.CommitTransactionResponse{TransactionUUID: t.id, Successful: true}
		if t.tx != nil {
			if err := t.tx.Commit(); err != nil {
				s.log.Error("etp/server: commit failed", "transaction", t.id.String(), "err", err)
				out.Successful, out.FailureReason = false, clipText(err.Error())
			}
		}
		t.end()
		_ = s.sendSingle(resp, out)
	case *etp.RollbackTransaction:
		t, reason := s.takeTransaction(m.TransactionUUID)
		if t == nil {
			s.transactionMissing(r.h, m.TransactionUUID, reason, false)
			return
		}
		out := &etp.RollbackTransactionResponse{TransactionUUID: t.id, Successful: true}
		if t.tx != nil {
			if err := t.tx.Rollback(); err != nil && !errors.Is(err, storage.ErrClosed) {
				out.Successful, out.FailureReason = false, clipText(err.Error())
			}
		}
		t.end()
		_ = s.sendSingle(resp, out)
	}
}

func (s *session) startTransaction(h etp.MessageHeader, m *etp.StartTransaction) {
	o := &s.srv.opts
	s.txmu.Lock()
	n := len(s.txs)
	s.txmu.Unlock()
	if n >= o.MaxTransactionCount {
		s.sendError(h, etp.EMaxTransactionsExceeded, fmt.Sprintf(
			"the session already has %d open transaction(s); MaxTransactionCount is %d", n, o.MaxTransactionCount))
		return
	}
	uris := m.DataspaceURIs
	if len(uris) == 0 {
		uris = []string{""}
	}
	var spaces []string
	for _, u := range uris {
		if u == "" {
			spaces = append(spaces, "")
			continue
		}
		pu, err := etp.ParseURI(u)
		if err != nil {
			s.sendError(h, etp.EInvalidURI, err.Error())
			return
		}
		if !pu.IsDataspace() {
			s.sendError(h, etp.EInvalidURI, fmt.Sprintf("%q is a data object URI; StartTransaction takes dataspace URIs", u))
			return
		}
		spaces = append(spaces, pu.Dataspace)
	}
	t := &txn{id: etp.NewUUID(), readOnly: m.ReadOnly, spaces: spaces, held: map[string]bool{}}
	for _, sp := range spaces {
		t.held[sp] = true
	}
	if !m.ReadOnly {
		tx, err := s.srv.db.Begin(spaces)
		if errors.Is(err, storage.ErrBusy) {
			s.sendError(h, etp.EMaxTransactionsExceeded, fmt.Sprintf(
				"dataspace(s) %s held by a transaction of another session; retry later", quoteSpaces(spaces)))
			return
		}
		if err != nil {
			ei := s.storageError(err)
			s.sendError(h, ei.Code, ei.Message)
			return
		}
		t.tx = tx
	}
	s.txmu.Lock()
	// Under txmu, so that the timer's callback (which takes txmu) sees it.
	t.timer = time.AfterFunc(o.TransactionTimeout, func() { s.expireTransaction(t) })
	s.txs[t.id] = t
	s.txmu.Unlock()
	s.log.Debug("etp/server: transaction started", "transaction", t.id.String(), "readOnly", m.ReadOnly,
		"dataspaces", spaces, "message", m.Message)
	_ = s.sendSingle(etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID},
		&etp.StartTransactionResponse{TransactionUUID: t.id, Successful: true})
}

func quoteSpaces(spaces []string) string {
	q := make([]string, len(spaces))
	for i, sp := range spaces {
		q[i] = etp.DataspaceURI(sp)
	}
	return strings.Join(q, ", ")
}

// takeTransaction removes the open transaction id from the session. When
// it is not open, it returns nil and, if it timed out, why.
func (s *session) takeTransaction(id etp.UUID) (*txn, string) {
	s.txmu.Lock()
	defer s.txmu.Unlock()
	t := s.txs[id]
	if t == nil {
		reason, ok := s.expired[id]
		if ok {
			delete(s.expired, id)
		}
		return nil, reason
	}
	delete(s.txs, id)
	return t, ""
}

func (s *session) transactionMissing(h etp.MessageHeader, id etp.UUID, expiredReason string, commit bool) {
	resp := etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID}
	if expiredReason != "" {
		if commit {
			_ = s.sendSingle(resp, &etp.CommitTransactionResponse{TransactionUUID: id, FailureReason: expiredReason})
		} else {
			_ = s.sendSingle(resp, &etp.RollbackTransactionResponse{TransactionUUID: id, Successful: true,
				FailureReason: expiredReason})
		}
		return
	}
	s.sendError(h, etp.EInvalidState, fmt.Sprintf("no open transaction %s in this session", id))
}

// expireTransaction rolls back a transaction left open longer than the
// TransactionTimeoutPeriod.
func (s *session) expireTransaction(t *txn) {
	s.txmu.Lock()
	if s.txs[t.id] != t {
		s.txmu.Unlock()
		return
	}
	delete(s.txs, t.id)
	if len(s.expired) >= maxExpired {
		clear(s.expired)
	}
	reason := fmt.Sprintf("transaction rolled back: not committed within the TransactionTimeoutPeriod (%s)",
		s.srv.opts.TransactionTimeout)
	s.expired[t.id] = reason
	s.txmu.Unlock()
	s.log.Info("etp/server: "+reason, "transaction", t.id.String())
	t.end()
}

// rwFor returns where an operation on dataspace ds runs: the session's
// transaction holding ds, else the store itself (each write committed on
// its own). Writes are refused in a read-only transaction, and outside any
// transaction when Options.RequireTransactions is set.
func (s *session) rwFor(ds string, write bool) (storage.ReadWriter, *etp.ErrorInfo) {
	s.txmu.Lock()
	var held *txn
	for _, t := range s.txs {
		if t.held[ds] {
			held = t
			break
		}
	}
	s.txmu.Unlock()
	switch {
	case held != nil && held.readOnly:
		if write {
			return nil, errInfo(etp.ERequestDenied, "dataspace %s is in the read-only transaction %s",
				etp.DataspaceURI(ds), held.id)
		}
		return s.srv.db, nil
	case held != nil:
		return held.tx, nil
	case write && s.srv.opts.RequireTransactions:
		return nil, errInfo(etp.ERequestDenied,
			"writes to %s need a transaction: send StartTransaction for the dataspace first", etp.DataspaceURI(ds))
	}
	return s.srv.db, nil
}
