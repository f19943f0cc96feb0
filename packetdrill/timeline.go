package packetdrill

// The virtual clock: advancing time fires the host's timers, collects what
// it sends for the socket under test, and retries a blocking system call
// whenever the host may have changed.

import (
	"fmt"

	"github.com/ccbench/ccbench/units"
	"github.com/ccbench/ccbench/wire"
)

// advance moves virtual time to t, firing timers on the way, collecting
// what the host sends and completing a blocking call whose condition
// comes true.
func (r *runner) advance(t units.Time) {
	r.step()
	for i := 0; ; i++ {
		if i == maxSteps {
			r.stop(Result{Kind: Error, Msg: fmt.Sprintf("the host's timers keep firing at %.6f s", r.now.Seconds())})
		}
		if r.host == nil {
			break
		}
		d := r.nextDeadline()
		if d > t {
			break
		}
		r.now = max(r.now, d)
		r.host.OnTimer(r.now)
		r.step()
	}
	r.now = max(r.now, t)
	r.step()
}

// advanceUntilSent advances until the host has sent a packet for the
// socket under test or limit passes; it reports whether one is queued.
func (r *runner) advanceUntilSent(limit units.Time) bool {
	r.step()
	r.dropForeign()
	for i := 0; len(r.pending) == 0; i++ {
		if i == maxSteps {
			r.stop(Result{Kind: Error, Msg: fmt.Sprintf("the host's timers keep firing at %.6f s", r.now.Seconds())})
		}
		if r.host == nil {
			r.now = max(r.now, limit)
			return false
		}
		d := r.nextDeadline()
		if d > limit {
			r.now = max(r.now, limit)
			r.step()
			return len(r.pending) > 0
		}
		r.now = max(r.now, d)
		r.host.OnTimer(r.now)
		r.step()
		r.dropForeign()
	}
	return true
}

// dropForeign forgets queued packets of an earlier socket under test:
// packetdrill's sniffer skips packets that are not the current socket's.
func (r *runner) dropForeign() {
	kept := r.pending[:0]
	for _, p := range r.pending {
		if r.belongsToSUT(&p.seg) {
			kept = append(kept, p)
		} else {
			r.trace("> (ignored, not the socket under test) %s", r.formatLive(&p.seg, p.raw))
		}
	}
	r.pending = kept
}

// step collects output at the current time and retries a blocking call.
func (r *runner) step() {
	for range 64 {
		r.drain()
		if r.blocking == nil || !r.retryBlocking() {
			return
		}
	}
}

// drain collects everything the host sends now.
func (r *runner) drain() {
	if r.host == nil {
		return
	}
	for i := 0; ; i++ {
		if i == maxSteps {
			r.stop(Result{Kind: Error, Msg: fmt.Sprintf("the host keeps sending at %.6f s", r.now.Seconds())})
		}
		p := r.host.Output(r.now)
		if p == nil {
			return
		}
		wire.Materialize(p) // a script compares bytes
		raw := append([]byte(nil), p.Bytes()...)
		r.pool.Put(p)
		var seg wire.Segment
		if err := wire.DecodeSegment(raw, &seg); err != nil {
			r.stop(Result{Kind: Error, Msg: fmt.Sprintf("the host sent an undecodable packet: %v", err)})
		}
		if !r.belongsToSUT(&seg) {
			r.trace("> (ignored, not the socket under test) %s", r.formatLive(&seg, raw))
			continue
		}
		if u := r.sut; seg.Flags&flagSYN != 0 && !u.haveLocal {
			// Until the script matches this SYN, map the host's ISN to
			// 0, so that a script that does not check the SYN can still
			// acknowledge it.
			u.localISN, u.scriptLocalISN, u.haveLocal, u.localGuessed = uint32(seg.Seq), 0, true, true
		}
		r.trace("> %s", r.formatLive(&seg, raw))
		r.pending = append(r.pending, sent{at: r.now, raw: raw, seg: seg})
	}
}

// belongsToSUT reports whether an outbound packet is the socket under
// test's, as packetdrill's sniffer filters by 4-tuple.
func (r *runner) belongsToSUT(seg *wire.Segment) bool {
	u := r.sut
	if u == nil || seg.Dst != peerAddr {
		return false
	}
	if u.hostPort == 0 || u.peerPort == 0 {
		return false
	}
	return seg.SrcPort == u.hostPort && seg.DstPort == u.peerPort
}

// nextDeadline is the host's next timer, or the timeout of a blocking call
// if that comes first.
func (r *runner) nextDeadline() units.Time {
	d := r.host.NextDeadline()
	if r.blocking != nil && r.wakeAt < d {
		d = max(r.wakeAt, r.now)
	}
	return d
}
