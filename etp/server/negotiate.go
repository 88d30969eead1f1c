package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Capability names (BRIEF 3.6; MaxMessagePayloadUncompressedSize is the OSDU
// open-etp-server extension).
const (
	capMaxMessageSize        = "MaxWebSocketMessagePayloadSize"
	capMaxFrameSize          = "MaxWebSocketFramePayloadSize"
	capMaxConcurrentMP       = "MaxConcurrentMultipart"
	capMaxDataObjectSize     = "MaxDataObjectSize"
	capMaxPartSize           = "MaxPartSize"
	capMultipartTimeout      = "MultipartMessageTimeoutPeriod"
	capRequestSessionTimeout = "RequestSessionTimeoutPeriod"
	capMaxSessionGlobal      = "MaxSessionGlobalCount"
	capAlternateURIs         = "SupportsAlternateRequestUris"
	capHeaderExtensions      = "SupportsMessageHeaderExtensions"
	capActiveTimeout         = "ActiveTimeoutPeriod"
	capUncompressedSize      = "MaxMessagePayloadUncompressedSize"
	capMaxDataArraySize      = "MaxDataArraySize"
	capMaxResponseCount      = "MaxResponseCount"
	capMaxTransactionCount   = "MaxTransactionCount"
	capTransactionTimeout    = "TransactionTimeoutPeriod"
)

// activeTimeout is the ActiveTimeoutPeriod: a resource is Active for this
// long after its last write, then Inactive (BRIEF 3.6).
const activeTimeout = time.Hour

// storeRole is the role the server plays in every protocol but Core.
const storeRole = "store"

var protocolVersion = etp.Version{Major: 1, Minor: 2}

func seconds(d time.Duration) etp.Long { return etp.Long(max(int64((d+time.Second-1)/time.Second), 1)) }

// protocolCapabilities returns the server's capabilities for protocol p.
func (s *Server) protocolCapabilities(p etp.Protocol) map[string]etp.DataValue {
	o := &s.opts
	switch p {
	case etp.ProtocolDiscovery, etp.ProtocolDataspace:
		return map[string]etp.DataValue{capMaxResponseCount: etp.Long(o.MaxResponseCount)}
	case etp.ProtocolStore:
		return map[string]etp.DataValue{capMaxDataObjectSize: etp.Long(o.MaxDataObjectSize)}
	case etp.ProtocolDataArray:
		return map[string]etp.DataValue{capMaxDataArraySize: etp.Long(o.MaxDataArraySize)}
	case etp.ProtocolTransaction:
		return map[string]etp.DataValue{
			capMaxTransactionCount: etp.Long(o.MaxTransactionCount),
			capTransactionTimeout:  seconds(o.TransactionTimeout),
		}
	}
	return map[string]etp.DataValue{}
}

// endpointCapabilities returns the server's endpoint capabilities.
func (s *Server) endpointCapabilities() map[string]etp.DataValue {
	o := &s.opts
	return map[string]etp.DataValue{
		capMaxMessageSize:        etp.Long(o.MaxMessageSize),
		capMaxFrameSize:          etp.Long(o.MaxFrameSize),
		capMaxConcurrentMP:       etp.Long(o.MaxConcurrentMultipart),
		capMaxDataObjectSize:     etp.Long(o.MaxDataObjectSize),
		capMaxPartSize:           etp.Long(o.MaxPartSize),
		capMultipartTimeout:      seconds(o.MultipartTimeout),
		capRequestSessionTimeout: seconds(o.RequestSessionTimeout),
		capMaxSessionGlobal:      etp.Long(o.MaxSessions),
		capAlternateURIs:         etp.Bool(false),
		capHeaderExtensions:      etp.Bool(false),
		capActiveTimeout:         seconds(activeTimeout),
		capUncompressedSize:      etp.Long(o.MaxDecompressedSize),
	}
}

func dataObjectCapabilities() map[string]etp.DataValue {
	return map[string]etp.DataValue{
		"SupportsGet":    etp.Bool(true),
		"SupportsPut":    etp.Bool(true),
		"SupportsDelete": etp.Bool(true),
	}
}

var protocolOrder = []etp.Protocol{etp.ProtocolDiscovery, etp.ProtocolStore, etp.ProtocolDataArray,
	etp.ProtocolTransaction, etp.ProtocolDataspace}

// serverCapabilities builds the capabilities document (BRIEF 1.3).
func (s *Server) serverCapabilities() etp.ServerCapabilities {
	o := &s.opts
	c := etp.ServerCapabilities{
		ApplicationName:    o.ApplicationName,
		ApplicationVersion: o.ApplicationVersion,
		ContactInformation: etp.Contact{OrganizationName: o.ContactOrganization, ContactName: o.ContactName,
			ContactPhone: o.ContactPhone, ContactEmail: o.ContactEmail},
		SupportedCompression: []string{},
		SupportedEncodings:   []string{"binary"},
		SupportedFormats:     []string{"xml"},
		EndpointCapabilities: s.endpointCapabilities(),
	}
	if !o.DisableCompression {
		c.SupportedCompression = []string{"gzip"}
	}
	for _, t := range o.SupportedDataObjects {
		c.SupportedDataObjects = append(c.SupportedDataObjects,
			etp.SupportedDataObject{QualifiedType: t, DataObjectCapabilities: dataObjectCapabilities()})
	}
	for _, p := range protocolOrder {
		c.SupportedProtocols = append(c.SupportedProtocols, etp.SupportedProtocol{Protocol: int32(p),
			ProtocolVersion: protocolVersion, Role: storeRole, ProtocolCapabilities: s.protocolCapabilities(p)})
	}
	return c
}

// refuseSession answers RequestSession with a ProtocolException and closes
// the connection (BRIEF 3.2 step 3).
func (s *session) refuseSession(h etp.MessageHeader, code etp.ErrorCode, msg string) bool {
	s.log.Info("etp/server: session refused", "code", code.String(), "reason", msg)
	s.sendError(h, code, msg)
	s.closeWith(websocket.StatusPolicyViolation, clipText(code.String()+": "+msg))
	return false
}

// openSession negotiates the session requested by rs (BRIEF 3.2) and sends
// OpenSession, or refuses it. It reports whether the session goes on.
func (s *session) openSession(h etp.MessageHeader, rs *etp.RequestSession) bool {
	o := &s.srv.opts
	var accepted []etp.SupportedProtocol
	var wrongRole []string
	seen := map[etp.Protocol]bool{}
	for _, rp := range rs.RequestedProtocols {
		p := etp.Protocol(rp.Protocol)
		if p == etp.ProtocolCore || !serverProtocols[p] || seen[p] {
			continue
		}
		if !strings.EqualFold(rp.Role, storeRole) {
			wrongRole = append(wrongRole, fmt.Sprintf("%s as %q", p, rp.Role))
			continue
		}
		seen[p] = true
		accepted = append(accepted, etp.SupportedProtocol{Protocol: int32(p), ProtocolVersion: protocolVersion,
			Role: storeRole, ProtocolCapabilities: s.srv.protocolCapabilities(p)})
	}
	if len(wrongRole) > 0 {
		return s.refuseSession(h, etp.ENoRole, fmt.Sprintf(
			"requested %s; this server only plays the role %q (the client is the customer)",
			strings.Join(wrongRole, ", "), storeRole))
	}
	if len(accepted) == 0 {
		return s.refuseSession(h, etp.ENoSupportedProtocols,
			"none of the requested protocols is supported; this store supports Discovery (3), Store (4), "+
				"DataArray (9), Transaction (18) and Dataspace (24) with role store")
	}
	formatOK := false
	for _, f := range rs.SupportedFormats {
		formatOK = formatOK || strings.EqualFold(f, "xml")
	}
	if !formatOK {
		return s.refuseSession(h, etp.ENoSupportedFormats,
			fmt.Sprintf("no common data object format: the client offers %q, this store supports [xml]", rs.SupportedFormats))
	}
	types := intersectTypes(rs.SupportedDataObjects, o.SupportedDataObjects)
	if len(types) == 0 {
		var offered []string
		for _, d := range rs.SupportedDataObjects {
			offered = append(offered, d.QualifiedType)
		}
		return s.refuseSession(h, etp.ENoSupportedDataObjectTypes, fmt.Sprintf(
			"no common data object type: the client offers %q, this store supports %q", offered, o.SupportedDataObjects))
	}
	msgLimit, frameLimit := o.MaxMessageSize, o.MaxFrameSize
	if v, ok := etp.CapabilityInt64(rs.EndpointCapabilities, capMaxMessageSize); ok && v > 0 {
		if v < minMessageSize {
			return s.refuseSession(h, etp.EInvalidArgument, fmt.Sprintf(
				"%s %d is too small: this store needs at least %d bytes", capMaxMessageSize, v, minMessageSize))
		}
		msgLimit = min(msgLimit, v)
	}
	if v, ok := etp.CapabilityInt64(rs.EndpointCapabilities, capMaxFrameSize); ok && v > 0 {
		frameLimit = min(frameLimit, max(v, 125))
	}
	compression := ""
	if !o.DisableCompression {
		for _, c := range rs.SupportedCompression {
			if strings.EqualFold(c, "gzip") {
				compression = "gzip"
				break
			}
		}
	}
	// Multipart responses in flight towards the client, per protocol: the
	// client's MaxConcurrentMultipart (BRIEF 4.4).
	mpSem := map[int32]chan struct{}{}
	if v, ok := etp.CapabilityInt64(rs.EndpointCapabilities, capMaxConcurrentMP); ok && v > 0 {
		n := int(min(v, 1<<16))
		for _, sp := range accepted {
			mpSem[sp.Protocol] = make(chan struct{}, n)
		}
	}
	var supported []etp.SupportedDataObject
	for _, t := range types {
		supported = append(supported, etp.SupportedDataObject{QualifiedType: t, DataObjectCapabilities: dataObjectCapabilities()})
	}
	s.id = etp.NewUUID()
	s.protocols = map[etp.Protocol]bool{}
	for _, sp := range accepted {
		s.protocols[etp.Protocol(sp.Protocol)] = true
	}
	s.compress = compression != ""
	s.msgLimit, s.frameLimit = msgLimit, frameLimit
	s.dataTypes = types
	s.mpSem = mpSem
	s.clientApp = rs.ApplicationName + " " + rs.ApplicationVersion
	now := nowMicros()
	resp := &etp.OpenSession{
		ApplicationName:            o.ApplicationName,
		ApplicationVersion:         o.ApplicationVersion,
		ServerInstanceID:           s.srv.instanceID,
		SupportedProtocols:         accepted,
		SupportedDataObjects:       supported,
		SupportedCompression:       compression,
		SupportedFormats:           []string{"xml"},
		CurrentDateTime:            now,
		EarliestRetainedChangeTime: now, // no change history is kept
		SessionID:                  s.id,
		EndpointCapabilities:       s.srv.endpointCapabilities(),
	}
	s.log = s.log.With("session", s.id.String())
	s.hsmu.Lock()
	s.mu.Lock()
	stopping := s.shutdownRq
	s.mu.Unlock()
	if stopping {
		s.hsmu.Unlock()
		return false
	}
	if err := s.sendSingle(etp.MessageHeader{Protocol: h.Protocol, CorrelationID: h.MessageID}, resp); err != nil {
		s.hsmu.Unlock()
		return false
	}
	s.established = time.Now()
	s.w.SetReadLimit(msgLimit)
	s.open.Store(true)
	s.hsmu.Unlock()
	var names []string
	for _, sp := range accepted {
		names = append(names, etp.Protocol(sp.Protocol).String())
	}
	s.log.Info("etp/server: session opened", "client", s.clientApp, "protocols", names,
		"compression", compression, "maxMessageSize", msgLimit)
	return true
}
