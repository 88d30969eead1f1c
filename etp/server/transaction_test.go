package server

import (
	"testing"
	"time"

	"github.com/etp-transfer/etp-transfer/etp"
)

func startTx(t *testing.T, c *rawClient, readOnly bool, uris ...string) (etp.UUID, answer) {
	t.Helper()
	a := merge(t, c.request(&etp.StartTransaction{ReadOnly: readOnly, DataspaceURIs: uris}), 0)
	if len(a.parts) == 1 {
		r := a.parts[0].(*etp.StartTransactionResponse)
		if !r.Successful || r.TransactionUUID.IsZero() {
			t.Fatalf("StartTransactionResponse %+v", r)
		}
		return r.TransactionUUID, a
	}
	return etp.UUID{}, a
}

func objectVisible(t *testing.T, c *rawClient, uri string) bool {
	t.Helper()
	got, a := getObjects(t, c, 0, map[string]string{"0": uri})
	if _, ok := got["0"]; ok {
		return true
	}
	a.keyCode(t, "0", etp.ENotFound)
	return false
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, nil)
	a, _ := openRaw(t, url, 0)
	b, _ := openRaw(t, url, 0)
	putDataspace(t, a, "tx")
	ds := etp.DataspaceURI("tx")
	put := func(c *rawClient, title string) (testObject, answer) {
		o := newTestObject("tx", "resqml20.obj_Grid2dRepresentation", title, 0)
		return o, merge(t, c.request(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": o.dataObject()}}), 0)
	}

	t.Run("commit", func(t *testing.T) {
		id, _ := startTx(t, a, false, ds)
		o, ans := put(a, "committed")
		ans.noErrors(t)
		if !objectVisible(t, a, o.uri) {
			t.Fatal("the transaction does not see its own write")
		}
		if objectVisible(t, b, o.uri) {
			t.Fatal("another session sees an uncommitted write")
		}
		_, ans = put(b, "blocked")
		ans.keyCode(t, "0", etp.ERequestDenied)
		_, ans = startTx(t, b, false, ds)
		ans.wantCode(t, etp.EMaxTransactionsExceeded)
		_, ans = startTx(t, a, false, etp.DataspaceURI("other"))
		ans.wantCode(t, etp.EMaxTransactionsExceeded)
		msgs := a.request(&etp.CommitTransaction{TransactionUUID: id})
		if r, ok := msgs[0].body.(*etp.CommitTransactionResponse); !ok || !r.Successful || r.TransactionUUID != id {
			t.Fatalf("commit: %s", describe(msgs))
		}
		if !objectVisible(t, b, o.uri) {
			t.Fatal("committed write not visible")
		}
		merge(t, a.request(&etp.CommitTransaction{TransactionUUID: id}), 0).wantCode(t, etp.EInvalidState)
	})
	t.Run("rollback", func(t *testing.T) {
		id, _ := startTx(t, a, false, ds)
		o, ans := put(a, "rolled back")
		ans.noErrors(t)
		msgs := a.request(&etp.RollbackTransaction{TransactionUUID: id})
		if r, ok := msgs[0].body.(*etp.RollbackTransactionResponse); !ok || !r.Successful {
			t.Fatalf("rollback: %s", describe(msgs))
		}
		if objectVisible(t, a, o.uri) || objectVisible(t, b, o.uri) {
			t.Fatal("rolled back write visible")
		}
	})
	t.Run("read-only", func(t *testing.T) {
		id, _ := startTx(t, a, true, ds)
		_, ans := put(a, "denied")
		ans.keyCode(t, "0", etp.ERequestDenied)
		_, ans = put(b, "allowed") // a read-only transaction holds nothing
		ans.noErrors(t)
		msgs := a.request(&etp.CommitTransaction{TransactionUUID: id})
		if r, ok := msgs[0].body.(*etp.CommitTransactionResponse); !ok || !r.Successful {
			t.Fatalf("commit: %s", describe(msgs))
		}
	})
	t.Run("bad URIs", func(t *testing.T) {
		_, ans := startTx(t, a, false, "eml:///dataspace('tx')/resqml20.obj_Grid2dRepresentation("+nilUUIDText+")")
		ans.wantCode(t, etp.EInvalidURI)
		_, ans = startTx(t, a, false, "nope")
		ans.wantCode(t, etp.EInvalidURI)
	})
	t.Run("default dataspace", func(t *testing.T) {
		id, _ := startTx(t, a, false)
		o := newTestObject("", "resqml20.obj_Grid2dRepresentation", "d", 0)
		merge(t, a.request(&etp.PutDataObjects{DataObjects: map[string]etp.DataObject{"0": o.dataObject()}}), 0).noErrors(t)
		if objectVisible(t, b, o.uri) {
			t.Fatal("uncommitted write to the default dataspace visible")
		}
		merge(t, a.request(&etp.RollbackTransaction{TransactionUUID: id}), 0).noErrors(t)
	})
	t.Run("dropped connection rolls back", func(t *testing.T) {
		c, _ := openRaw(t, url, 0)
		startTx(t, c, false, ds)
		o, ans := put(c, "abandoned")
		ans.noErrors(t)
		c.close()
		deadline := time.Now().Add(testTimeout)
		for {
			_, ans := startTx(t, b, false, ds)
			if ans.err == nil {
				id := ans.parts[0].(*etp.StartTransactionResponse).TransactionUUID
				merge(t, b.request(&etp.RollbackTransaction{TransactionUUID: id}), 0).noErrors(t)
				break
			}
			ans.wantCode(t, etp.EMaxTransactionsExceeded)
			if time.Now().After(deadline) {
				t.Fatal("the dataspace stayed held after the session dropped")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if objectVisible(t, b, o.uri) {
			t.Fatal("the abandoned transaction was committed")
		}
	})
}

func TestTransactionTimeout(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{TransactionTimeout: 50 * time.Millisecond})
	c, _ := openRaw(t, url, 0)
	id, _ := startTx(t, c, false)
	time.Sleep(200 * time.Millisecond)
	msgs := c.request(&etp.CommitTransaction{TransactionUUID: id})
	if r, ok := msgs[0].body.(*etp.CommitTransactionResponse); !ok || r.Successful || r.FailureReason == "" {
		t.Fatalf("commit after timeout: %s", describe(msgs))
	}
	// The dataspace is free again.
	id2, ans := startTx(t, c, false)
	ans.noErrors(t)
	merge(t, c.request(&etp.RollbackTransaction{TransactionUUID: id2}), 0).noErrors(t)
}

func TestRequireTransactions(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, &Options{RequireTransactions: true})
	c, _ := openRaw(t, url, 0)
	merge(t, c.request(&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"0": {URI: "eml:///dataspace('r')"}}}), 0).
		keyCode(t, "0", etp.ERequestDenied)
	id, _ := startTx(t, c, false, "eml:///dataspace('r')")
	merge(t, c.request(&etp.PutDataspaces{Dataspaces: map[string]etp.Dataspace{"0": {URI: "eml:///dataspace('r')"}}}), 0).noErrors(t)
	other, _ := openRaw(t, url, 0)
	count := func(c *rawClient) int {
		a := merge(t, c.request(&etp.GetDataspaces{}), 0)
		a.noErrors(t)
		return len(a.parts[0].(*etp.GetDataspacesResponse).Dataspaces)
	}
	if own, others := count(c), count(other); own != 2 || others != 1 {
		t.Fatalf("the new dataspace is listed %d times in its session, %d outside; want 2 and 1", own, others)
	}
	merge(t, c.request(&etp.CommitTransaction{TransactionUUID: id}), 0).noErrors(t)
	if n := count(other); n != 2 {
		t.Fatalf("%d dataspaces after commit", n)
	}
}
