package stack

import "github.com/ccbench/ccbench/units"

// MutableConfig returns the host's configuration for a script runner
// (package packetdrill) to change between events, as a setsockopt or a
// sysctl changes a running kernel. Every connection of the host reads the
// same Config, so a change applies to all of them from their next use of
// the field; sizes fixed when a connection allocates its buffers (SndBuf,
// RcvBuf, MSS) apply to connections created afterwards. Experiments must
// not use it: a Config is fixed for a run.
func (h *Host) MutableConfig() *Config { return &h.cfg }

// RestartKeepalive re-arms the keepalive timer from now with the host's
// current configuration (off if Keepalive is off), as Linux's
// setsockopt(SO_KEEPALIVE) and TCP_KEEPIDLE do on a connection that
// exists: the script runner's way to apply those options after connect.
func (c *Conn) RestartKeepalive(now units.Time) {
	c.keepaliveAt = units.Never
	c.armKeepalive(now)
	c.host.touch(c)
}

// SetSendBuffer resizes the send buffer of a connection that holds no
// data to n bytes, as Linux's SO_SNDBUF does on a connection (the caller
// applies Linux's doubling). It reports false, changing nothing, when the
// buffer holds data or is not allocated yet.
func (c *Conn) SetSendBuffer(n int) bool {
	if !c.sndBuf.ready() || c.sndBuf.n != 0 || c.finQueued || n <= 0 {
		return false
	}
	sb := newSendBuffer(n, c.host.chunks, c.cfg.VirtualPayload)
	sb.start = c.sndBuf.start
	c.sndBuf = sb
	c.host.touch(c)
	return true
}

// FastOpenSYNRoom is how many bytes of data a Fast Open SYN from this
// connection would carry now: 0 without a cached cookie for the peer or
// with Fast Open off, else the cached (or default) MSS less the 40 bytes
// Linux's tcp_send_syn_data keeps for options. A non-blocking
// sendto(MSG_FASTOPEN) on Linux queues only that much and returns it; the
// script runner writes no more.
func (c *Conn) FastOpenSYNRoom() int {
	if !c.cfg.FastOpen || c.stats.Timeouts > 0 {
		return 0
	}
	e, ok := c.host.tfoCache.get(c.id.remoteAddr)
	if !ok || e.cookieLen == 0 {
		return 0
	}
	return c.synDataRoom(e)
}
