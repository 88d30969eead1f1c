package etp

// Transaction protocol (18) message bodies (BRIEF 6.4). None is multipart.

// StartTransaction (Transaction 1) opens a transaction over DataspaceURIs.
type StartTransaction struct {
	ReadOnly      bool
	Message       string
	DataspaceURIs []string
}

// StartTransactionResponse (Transaction 2); check Successful and
// FailureReason as well as ProtocolException.
type StartTransactionResponse struct {
	TransactionUUID UUID
	Successful      bool
	FailureReason   string
}

// CommitTransaction (Transaction 3).
type CommitTransaction struct {
	TransactionUUID UUID
}

// RollbackTransaction (Transaction 4).
type RollbackTransaction struct {
	TransactionUUID UUID
}

// CommitTransactionResponse (Transaction 5).
type CommitTransactionResponse struct {
	TransactionUUID UUID
	Successful      bool
	FailureReason   string
}

// RollbackTransactionResponse (Transaction 6).
type RollbackTransactionResponse struct {
	TransactionUUID UUID
	Successful      bool
	FailureReason   string
}

// MessageProtocol returns ProtocolTransaction.
func (*StartTransaction) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageProtocol returns ProtocolTransaction.
func (*StartTransactionResponse) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageProtocol returns ProtocolTransaction.
func (*CommitTransaction) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageProtocol returns ProtocolTransaction.
func (*RollbackTransaction) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageProtocol returns ProtocolTransaction.
func (*CommitTransactionResponse) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageProtocol returns ProtocolTransaction.
func (*RollbackTransactionResponse) MessageProtocol() Protocol { return ProtocolTransaction }

// MessageType returns 1.
func (*StartTransaction) MessageType() int32 { return 1 }

// MessageType returns 2.
func (*StartTransactionResponse) MessageType() int32 { return 2 }

// MessageType returns 3.
func (*CommitTransaction) MessageType() int32 { return 3 }

// MessageType returns 4.
func (*RollbackTransaction) MessageType() int32 { return 4 }

// MessageType returns 5.
func (*CommitTransactionResponse) MessageType() int32 { return 5 }

// MessageType returns 6.
func (*RollbackTransactionResponse) MessageType() int32 { return 6 }
