// Shared building blocks of window-based congestion control: slow start with
// Appropriate Byte Counting (RFC 3465), additive increase by byte counting
// (RFC 5681 §3.1, RFC 3465 §2.1), the standard slow-start threshold after a
// congestion signal (RFC 5681 eq. 4), and the windowed min/max filter of
// Kathleen Nichols that BBR uses for its bandwidth and RTT estimates.
//
// Each helper states one rule exactly, so that an algorithm file says only
// where it differs from the others; Linux keeps tcp_slow_start,
// tcp_cong_avoid_ai and lib/win_minmax.c for the same reason. All of them
// are pure arithmetic on values the caller owns: none allocates, none reads
// a clock.

package cc

import "cmp"

// Phase names shared by the loss-based algorithms. Phase() must return
// constant strings (probes read it per packet), and sharing the constants
// keeps plots of different algorithms comparable.
const (
	PhaseSlowStart           = "slow_start"
	PhaseCongestionAvoidance = "congestion_avoidance"
	PhaseFastRecovery        = "fast_recovery"
)

// ABCLimitSegments is L of RFC 3465 §2.2 in full-sized segments, for a
// sender configured to follow the RFC (the stack's SlowStartLimitSegments):
// two lets a receiver that delays its ACKs (one per two segments, RFC 5681
// §4.2) still double cwnd every round trip, which one would not; more would
// let a stretch ACK release a burst the network has not been shown to
// absorb. Linux has no such limit (tcp_slow_start), and it is the stack's
// default.
const ABCLimitSegments = 2

// SlowStart applies one ACK to cwnd in slow start (RFC 5681 §3.1, Linux's
// tcp_slow_start): cwnd grows by the acked bytes, never beyond ssthresh,
// and, if limit is positive, by at most limit (L of RFC 3465 §2.2,
// Appropriate Byte Counting). limit 0 is Linux's rule: a stretch ACK grows
// cwnd by everything it acknowledges.
//
// An ACK that brings cwnd up to ssthresh is split there: the bytes it needed
// to get there were spent on slow start, and the rest are returned as
// leftover for the caller to count in congestion avoidance, as Linux's
// tcp_slow_start returns its leftover ACKs. An ACK that stays below ssthresh
// returns no leftover; whatever it acknowledged beyond limit is forgone,
// which is what the limit means. If cwnd is already at or above ssthresh
// nothing is spent and all of acked is leftover.
func SlowStart(cwnd, ssthresh, acked, limit int) (newCwnd, leftover int) {
	if cwnd >= ssthresh {
		return cwnd, acked
	}
	grow := acked
	if limit > 0 {
		grow = min(acked, limit)
	}
	if cwnd+grow < ssthresh {
		return cwnd + grow, 0
	}
	return ssthresh, acked - (ssthresh - cwnd)
}

// LossSsthresh is the slow-start threshold after a congestion signal, RFC
// 5681 eq. (4): half of what was in flight, but never below two full-sized
// segments, the least that still lets duplicate ACKs clock out a
// retransmission. FlightSize, not cwnd, is halved: an application-limited
// sender's cwnd may be far above what the network has carried.
func LossSsthresh(flightSize, mss int) int {
	return max(flightSize/2, 2*mss)
}

// ByteCounter is the bytes_acked accumulator of congestion avoidance with
// byte counting (RFC 3465 §2.1; RFC 5681 §3.1): every time the bytes
// acknowledged since the last increase reach a window's worth, cwnd grows by
// one full-sized segment. Counting against cwnd gives Reno's one segment per
// round trip; an algorithm that wants to grow faster (CUBIC's Reno-friendly
// and cubic targets) counts against a smaller window. Counting bytes, not
// ACKs, keeps growth independent of how often the receiver acknowledges.
//
// The zero value is an empty counter. Reset it whenever cwnd is set by a
// congestion response, so that credit earned at the old window is not spent
// at the new one.
type ByteCounter struct {
	bytesAcked int
}

// Count adds acked bytes and returns by how many full-sized segments cwnd
// grows, counting against window bytes (which must be positive).
//
// A stretch ACK may cover several windows' worth and earns one segment for
// each. Credit already at or above window when Count is called means the
// caller's window shrank since the last ACK; that credit earns one segment
// and is then dropped, rather than paying out as a burst, the rule Linux's
// tcp_cong_avoid_ai follows.
func (c *ByteCounter) Count(acked, window int) (segments int) {
	if c.bytesAcked >= window {
		c.bytesAcked = 0
		segments = 1
	}
	c.bytesAcked += acked
	if c.bytesAcked >= window {
		n := c.bytesAcked / window
		c.bytesAcked -= n * window
		segments += n
	}
	return segments
}

// Bytes is the credit accumulated toward the next increase.
func (c *ByteCounter) Bytes() int { return c.bytesAcked }

// Reset drops the accumulated credit.
func (c *ByteCounter) Reset() { c.bytesAcked = 0 }

// filterSample is one measurement kept by a windowed filter: value v taken
// at time t.
type filterSample[V cmp.Ordered] struct {
	t int64
	v V
}

// windowedFilter is Kathleen Nichols' windowed best-of filter, as used by
// BBR (Linux lib/win_minmax.c): it tracks the best value measured over the
// last window time units with three samples instead of a history. s[0] is
// the best value in the window; s[1] is the best measured after s[0], and
// s[2] the best measured after s[1], so when s[0] ages out the next best is
// already known. To keep those fallbacks fresh when no better value
// arrives, s[1] is re-taken from the second quarter of the window and s[2]
// from its second half. The estimate is always a sample taken within the
// last window, never larger (for a max filter) than the true windowed best.
type windowedFilter[V cmp.Ordered] struct {
	s      [3]filterSample[V]
	primed bool
	// steady says that update at time steadyAt over window steadyWindow
	// changes nothing when given a sample worse than s[2] (see isSteady).
	// Most updates are such: BBR's time is a round-trip count, the same
	// for a whole round of ACKs, and its samples seldom beat the third
	// choice.
	steady       bool
	steadyAt     int64
	steadyWindow int64
}

func (f *windowedFilter[V]) reset(t int64, v V) {
	f.s = [3]filterSample[V]{{t, v}, {t, v}, {t, v}}
	f.primed = true
	f.steady = false
}

// unchanged reports whether update(t, window, v) would leave the filter as
// it is, from what the last update found (isSteady), or because all three
// samples are already v at t, which is what a tie with the best resets
// them to.
func (f *windowedFilter[V]) unchanged(t, window int64, v V, isMax bool) bool {
	if !f.steady || t != f.steadyAt || window != f.steadyWindow {
		return false
	}
	now := filterSample[V]{t, v}
	return !asGood(v, f.s[2].v, isMax) || f.s[0] == now && f.s[2] == now
}

// isSteady reports whether, right after an update at time t over window,
// another update at t over window given a sample worse than s[2] changes
// nothing. update keeps the three samples ordered best first, so such a
// sample is worse than each: it is no new best and no new choice. Unless
// the window is negative, which resets on every update, update also leaves
// all three inside the window, so none ages out. That leaves the sub-window
// rules, which read only t, window and the sample times.
func (f *windowedFilter[V]) isSteady(t, window int64) bool {
	age := t - f.s[0].t
	return window >= 0 &&
		!(f.s[1].t == f.s[0].t && age > window/4) &&
		!(f.s[2].t == f.s[1].t && age > window/2)
}

// asGood reports whether a is at least as good as b: as large for a max
// filter, as small for a min filter. Ties count as better so that the
// newer of two equal samples is kept; it stays in the window longer.
func asGood[V cmp.Ordered](a, b V, isMax bool) bool {
	if isMax {
		return a >= b
	}
	return a <= b
}

// update folds measurement v at time t into the filter.
func (f *windowedFilter[V]) update(t, window int64, v V, isMax bool) V {
	f.fold(t, window, v, isMax)
	f.steady, f.steadyAt, f.steadyWindow = f.isSteady(t, window), t, window
	return f.s[0].v
}

// fold is update's work on the samples.
func (f *windowedFilter[V]) fold(t, window int64, v V, isMax bool) {
	// A new best, or nothing left inside the window: earlier samples carry
	// no information any more.
	if !f.primed || asGood(v, f.s[0].v, isMax) || t-f.s[2].t > window {
		f.reset(t, v)
		return
	}
	now := filterSample[V]{t, v}
	switch {
	case asGood(v, f.s[1].v, isMax):
		f.s[1], f.s[2] = now, now
	case asGood(v, f.s[2].v, isMax):
		f.s[2] = now
	}

	age := t - f.s[0].t
	switch {
	case age > window:
		// The best sample left the window: promote the fallbacks. The
		// second may be stale too; the third is not, or the filter would
		// have been reset above.
		f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], now
		if t-f.s[0].t > window {
			f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], now
		}
	case f.s[1].t == f.s[0].t && age > window/4:
		// A quarter window passed with no second choice taken after the
		// best: take this one.
		f.s[1], f.s[2] = now, now
	case f.s[2].t == f.s[1].t && age > window/2:
		// Half a window passed with no third choice after the second.
		f.s[2] = now
	}
}

// MaxFilter is the largest value measured over a sliding window (BBR's
// bottleneck bandwidth estimate: the max delivery rate over the last ten
// round trips). Times and the window share a unit of the caller's choosing,
// nanoseconds or a round-trip count. The zero value is empty; the first
// Update fills it.
type MaxFilter[V cmp.Ordered] struct{ f windowedFilter[V] }

// Update adds measurement v taken at time t and returns the maximum over
// the window ending at t. Times must not go backwards.
func (m *MaxFilter[V]) Update(t, window int64, v V) V {
	if m.f.unchanged(t, window, v, true) {
		return m.f.s[0].v
	}
	return m.f.update(t, window, v, true)
}

// Reset forgets all measurements and starts again from v at time t.
func (m *MaxFilter[V]) Reset(t int64, v V) { m.f.reset(t, v) }

// Best is the current estimate: the maximum over the window as of the last
// Update, or the zero value if there has been none.
func (m *MaxFilter[V]) Best() V { return m.f.s[0].v }

// MinFilter is the smallest value measured over a sliding window (a
// windowed minimum RTT). The zero value is empty; the first Update fills it.
type MinFilter[V cmp.Ordered] struct{ f windowedFilter[V] }

// Update adds measurement v taken at time t and returns the minimum over
// the window ending at t. Times must not go backwards.
func (m *MinFilter[V]) Update(t, window int64, v V) V {
	if m.f.unchanged(t, window, v, false) {
		return m.f.s[0].v
	}
	return m.f.update(t, window, v, false)
}

// Reset forgets all measurements and starts again from v at time t.
func (m *MinFilter[V]) Reset(t int64, v V) { m.f.reset(t, v) }

// Best is the current estimate: the minimum over the window as of the last
// Update, or the zero value if there has been none.
func (m *MinFilter[V]) Best() V { return m.f.s[0].v }

// Mix64 is SplitMix64's finalizer: nearby inputs give unrelated 64-bit
// values, for seeding generators from times, sizes and seeds.
func Mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
