package metrics

// SenderLimits is how a flow's sender spent its active time, as Linux's
// chrono accounting divides it (TCP_INFO's tcpi_busy_time,
// tcpi_rwnd_limited and tcpi_sndbuf_limited). Only the busy share is the
// network's: there the congestion window, pacing or loss recovery held the
// sender, or it was sending. The other three are the run's: a receive
// buffer, a send buffer or an application too small or slow for the path,
// and goodput measured under them is theirs, not the algorithm's.
type SenderLimits struct {
	// ActiveSeconds runs from the application's first write to the FIN's
	// acknowledgment, the connection's end, or the end of the run; the
	// four shares below add up to it.
	ActiveSeconds float64 `json:"active_seconds"`
	BusySeconds   float64 `json:"busy_seconds"`
	// RwndLimitedSeconds: bytes to send and room in the congestion
	// window, none in the peer's receive window.
	RwndLimitedSeconds float64 `json:"rwnd_limited_seconds"`
	// SndbufLimitedSeconds: every byte of a full send buffer sent, room
	// in the congestion window.
	SndbufLimitedSeconds float64 `json:"sndbuf_limited_seconds"`
	// AppLimitedSeconds: nothing to send, room in the window and in the
	// send buffer. Linux does not time it; for a kernel sender it is the
	// flow's sampled lifetime outside tcpi_busy_time.
	AppLimitedSeconds float64 `json:"app_limited_seconds"`
}
