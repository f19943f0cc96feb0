package stack

// State is a connection state of RFC 9293 §3.3.2.
type State uint8

const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
)

var stateNames = [...]string{
	Closed:      "CLOSED",
	Listen:      "LISTEN",
	SynSent:     "SYN-SENT",
	SynReceived: "SYN-RECEIVED",
	Established: "ESTABLISHED",
	FinWait1:    "FIN-WAIT-1",
	FinWait2:    "FIN-WAIT-2",
	CloseWait:   "CLOSE-WAIT",
	Closing:     "CLOSING",
	LastAck:     "LAST-ACK",
	TimeWait:    "TIME-WAIT",
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "INVALID"
}

// synchronized reports whether the state is one where both sides' initial
// sequence numbers are known (RFC 9293 §3.5.2).
func (s State) synchronized() bool { return s >= Established }

// canSend reports whether the application's data may still be sent: our
// FIN has not been queued yet.
func (s State) canSend() bool { return s == Established || s == CloseWait }

// canReceive reports whether data from the peer is still accepted: the
// peer's FIN has not arrived.
func (s State) canReceive() bool {
	return s == Established || s == FinWait1 || s == FinWait2
}
