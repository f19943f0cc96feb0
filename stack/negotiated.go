package stack

// Negotiated is what a connection's handshake settled (RFC 9293 §3.7.1 for
// the MSS, RFC 2018 for SACK, RFC 7323 for timestamps and window scaling,
// RFC 3168 for ECN, RFC 7413 for Fast Open), for drivers that check a peer agreed to what ccbench
// offered.
type Negotiated struct {
	// MSS is the payload bytes per segment the connection sends, after
	// options.
	MSS int
	// SACK and Timestamps are set when both ends offered the option.
	SACK, Timestamps bool
	// SndShift is the window-scale shift applied to the peer's windows;
	// RcvShift the one the peer applies to ours. Both are zero unless both
	// ends offered window scaling.
	SndShift, RcvShift uint8
	// ECN is set when the handshake agreed on ECN.
	ECN bool
	// FastOpen is set when data rode on the SYN and was taken (RFC 7413):
	// for a client, the SYN-ACK acknowledged it; for a server, the SYN
	// brought a valid cookie, or needed none (Config.FastOpenNoCookie). FastOpenData is how many bytes the SYN
	// carried: sent by a client whether or not they were taken, received
	// by a server only when they were.
	FastOpen     bool
	FastOpenData int
}

// Negotiated returns the options the handshake settled; before the
// handshake completes it reports what is assumed so far.
func (c *Conn) Negotiated() Negotiated {
	return Negotiated{
		MSS:          c.sndMSS,
		SACK:         c.sackOK,
		Timestamps:   c.tsOK,
		SndShift:     c.sndShift,
		RcvShift:     c.rcvShift,
		ECN:          c.ecnOK,
		FastOpen:     c.tfo.accepted,
		FastOpenData: c.tfo.synData,
	}
}
