package etp

import (
	"context"
	"fmt"
)

// Transaction protocol (18) requests (BRIEF 6.4).

// StartTransaction opens a transaction over the dataspaces dataspaceURIs
// (OSDU servers want exactly one, and require a read-write transaction for
// every write) and returns its UUID. message is a free text for the store's
// logs. A response with successful=false returns an error wrapping
// ErrTransactionFailed with the server's failureReason; a ProtocolException
// (e.g. EMAX_TRANSACTIONS_EXCEEDED when another transaction is open) returns a
// *ProtocolError. Safe for concurrent use, but stores allow only
// MaxTransactionCount (normally 1) open transactions per session.
func (s *Session) StartTransaction(ctx context.Context, readOnly bool, dataspaceURIs []string,
	message string) (UUID, error) {
	if dataspaceURIs == nil {
		dataspaceURIs = []string{}
	}
	r, err := singleRequest[*StartTransactionResponse](ctx, s,
		&StartTransaction{ReadOnly: readOnly, DataspaceURIs: dataspaceURIs, Message: message})
	if err != nil {
		return UUID{}, err
	}
	if !r.Successful {
		return UUID{}, fmt.Errorf("etp: StartTransaction: %w: %s", ErrTransactionFailed, failureText(r.FailureReason))
	}
	if r.TransactionUUID.IsZero() {
		return UUID{}, fmt.Errorf("etp: StartTransaction: the server returned the nil transaction UUID")
	}
	return r.TransactionUUID, nil
}

// CommitTransaction commits the transaction id. Failures are reported like
// StartTransaction's: successful=false wraps ErrTransactionFailed, a
// ProtocolException is a *ProtocolError.
func (s *Session) CommitTransaction(ctx context.Context, id UUID) error {
	r, err := singleRequest[*CommitTransactionResponse](ctx, s, &CommitTransaction{TransactionUUID: id})
	if err != nil {
		return err
	}
	return s.checkTransaction("CommitTransaction", id, r.TransactionUUID, r.Successful, r.FailureReason)
}

// RollbackTransaction rolls back the transaction id; errors as for
// CommitTransaction.
func (s *Session) RollbackTransaction(ctx context.Context, id UUID) error {
	r, err := singleRequest[*RollbackTransactionResponse](ctx, s, &RollbackTransaction{TransactionUUID: id})
	if err != nil {
		return err
	}
	return s.checkTransaction("RollbackTransaction", id, r.TransactionUUID, r.Successful, r.FailureReason)
}

func (s *Session) checkTransaction(op string, want, got UUID, ok bool, reason string) error {
	if !ok {
		return fmt.Errorf("etp: %s %s: %w: %s", op, want, ErrTransactionFailed, failureText(reason))
	}
	if got != want && !got.IsZero() {
		s.log.Warn("etp: transaction response names another transaction", "request", op,
			"transaction", want.String(), "response", got.String())
	}
	return nil
}

func failureText(reason string) string {
	if reason == "" {
		return "no reason given"
	}
	return truncate(reason, 500)
}
