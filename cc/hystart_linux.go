// HyStart as Linux runs it in CUBIC (net/ipv4/tcp_cubic.c, hystart_update
// and cubictcp_acked, Linux 6.x, the revision cubic.go names): the hybrid
// slow start of Ha and Rhee, "Taming the Elephants: New TCP Slow Start",
// Computer Networks 55(9), 2011. RFC 9406's HyStart++ (hystart.go) grew out of it; this is the
// older, blunter mechanism that every Linux CUBIC sender runs by default.
//
// The model. Slow start doubles cwnd every round trip and stops only at a
// loss, by which time up to a whole window overflows the bottleneck. HyStart
// ends slow start (ssthresh = cwnd) at the first sign that the pipe is
// full, with one of two detectors, both run on every ACK that carries an
// RTT sample while cwnd is at least hystart_low_window segments:
//
//   - ACK train. ACKs of one round that arrive back to back (at most
//     hystart_ack_delta, 2 ms, apart) are the bottleneck clocking out this
//     flow's data. Once a train that began with the round lasts longer than
//     half the minimum RTT, this round's data took that long to drain
//     through the bottleneck: slow start's next doubling would overflow it.
//     Linux adds a cushion for TSO/GRO aggregation to the minimum RTT first
//     (hystart_ack_delay: four GSO-sized bursts at the pacing rate, at most
//     1 ms) and halves the sum only for a sender that does not pace.
//
//   - Delay increase. Once a round has eight RTT samples, their minimum is
//     the round's delay; if it exceeds the connection's minimum RTT by
//     clamp(minRTT/8, 4 ms, 16 ms), a queue is building.
//
// A round begins at an ACK, with the send sequence then as its end, and
// ends at the first ACK beyond that end (after(snd_una, end_seq)); the ACK
// that ends one round begins the next. Linux starts a round only inside
// hystart_update, so rounds are counted only while HyStart runs: from the
// first ACK of slow start, before the low-window test, whatever cwnd is.
//
// Where this follows Linux on the facts cc.Ack carries:
//
//   - Round ends compare Ack.Delivered with the Ack.Sent of the round's first
//     ACK, as RoundCounter does, where Linux compares snd_una with snd_nxt.
//     Before the first loss, when HyStart acts, the two are the same; after
//     one, Delivered also counts SACKed data.
//   - Times are Ack.Now to the microsecond, Linux's tcp_mstamp resolution.
//   - The pacing rate the aggregation cushion divides by is Linux's default
//     (tcp_update_pacing_rate: twice cwnd per SRTT in slow start), computed
//     here from cwnd and Ack.SRTT, since the algorithm cannot see the
//     sender's. The GSO size is 64 KiB, what Linux assumes for a device
//     without a smaller limit (a TUN device, veth, loopback).
//   - The sender is taken not to pace (Linux's SK_PACING_NONE, the default
//     without the fq qdisc), so the train threshold is halved. A sender run
//     with tcp.pacing on paces CUBIC as fq would; the threshold is halved
//     all the same.

package cc

import "github.com/ccbench/ccbench/units"

// Linux HyStart's constants (tcp_cubic.c module parameters, defaults).
const (
	// LinuxHyStartLowWindow is hystart_low_window in segments: below it
	// the rounds are too short for either detector to mean anything.
	LinuxHyStartLowWindow = 16
	// linuxHyStartAckDelta is hystart_ack_delta_us: ACKs further apart
	// than this are not one train (the bottleneck was not busy between
	// them).
	linuxHyStartAckDelta = 2 * units.Millisecond
	// linuxHyStartMinSamples is HYSTART_MIN_SAMPLES: the least of eight
	// samples is close to the round's true delay.
	linuxHyStartMinSamples = 8
	// linuxHyStartDelayMin and linuxHyStartDelayMax bound the delay
	// increase that counts as a queue (HYSTART_DELAY_MIN/MAX): below 4 ms
	// jitter and delayed ACKs would trigger it; above 16 ms a long path
	// would wait for too much queue.
	linuxHyStartDelayMin = 4 * units.Millisecond
	linuxHyStartDelayMax = 16 * units.Millisecond
	// linuxHyStartAckDelayMax caps the aggregation cushion at 1 ms, and
	// linuxGSOMaxBytes is the burst it allows four of.
	linuxHyStartAckDelayMax = units.Millisecond
	linuxGSOMaxBytes        = 65536
)

// LinuxHyStart is one connection's Linux HyStart state. The zero value has
// no round under way and nothing found.
type LinuxHyStart struct {
	found bool
	// started is false until the first call begins a round.
	started bool
	// roundStart is when the current round began, lastAck the last ACK of
	// the train that began with it, endSent the round's end (Ack.Sent
	// when it began).
	roundStart units.Time
	lastAck    units.Time
	endSent    int64
	// currRTT is the least RTT sample of the round (0 before the first),
	// sampleCnt how many samples the round has had, up to the eight that
	// make currRTT count.
	currRTT   units.Duration
	sampleCnt int
}

// Reset starts HyStart over (Linux's bictcp_reset and bictcp_hystart_reset,
// after a retransmission timeout): nothing found, no round under way.
func (h *LinuxHyStart) Reset() { *h = LinuxHyStart{} }

// Found reports whether HyStart has ended slow start.
func (h *LinuxHyStart) Found() bool { return h.found }

// OnAck runs both detectors for one ACK whose RTT sample is delay (positive)
// while the caller is in slow start with a cwnd of cwndSegs segments,
// delayMin being the connection's least RTT including this sample. It
// reports whether this ACK found the exit: the caller then sets ssthresh
// to cwnd. Once found, it does nothing until Reset.
func (h *LinuxHyStart) OnAck(a *Ack, delay, delayMin units.Duration, cwndSegs, mss int) (found bool) {
	if h.found {
		return false
	}
	now := a.Now - a.Now%units.Time(units.Microsecond)
	if !h.started || a.Delivered > h.endSent {
		h.started = true
		h.roundStart, h.lastAck = now, now
		h.endSent = a.Sent
		h.currRTT, h.sampleCnt = 0, 0
	}
	// Linux checks the low window after the round test, so rounds run
	// from the first ACK and stay in step with slow start's doublings
	// (rounds begin at 10, 20, 40 ... segments from an initial window of
	// 10). Checked first, the first round would begin at the first ACK
	// with 16 segments, and every later one part-way into a doubling,
	// where the queue the previous flight built is already there: the
	// delay test then fired a round early (136 segments where the kernel
	// left slow start at 248, 50 Mbit/s, 40 ms, 1 BDP).
	if cwndSegs < LinuxHyStartLowWindow {
		return false
	}

	// The ACK train: extended by every ACK close enough to the last one.
	if now.Sub(h.lastAck) <= linuxHyStartAckDelta {
		h.lastAck = now
		threshold := (delayMin + linuxHyStartAckDelay(a.SRTT, cwndSegs*mss)) / 2
		if now.Sub(h.roundStart) > threshold {
			h.found = true
		}
	}

	// The delay increase, over the round's first eight samples and beyond.
	if h.currRTT == 0 || delay < h.currRTT {
		h.currRTT = delay
	}
	if h.sampleCnt < linuxHyStartMinSamples {
		h.sampleCnt++
	} else if h.currRTT > delayMin+linuxHyStartDelayThresh(delayMin) {
		h.found = true
	}
	return h.found
}

// linuxHyStartDelayThresh is HYSTART_DELAY_THRESH(delay_min/8).
func linuxHyStartDelayThresh(delayMin units.Duration) units.Duration {
	return max(linuxHyStartDelayMin, min(delayMin/8, linuxHyStartDelayMax))
}

// linuxHyStartAckDelay is Linux's hystart_ack_delay: the time four GSO-sized
// bursts take at the pacing rate, at most 1 ms, so that a short path's
// threshold leaves room for the aggregation that grows with the window.
// The rate is Linux's default in slow start, 2·cwnd/SRTT; without an SRTT
// there is no rate and no cushion.
func linuxHyStartAckDelay(srtt units.Duration, cwndBytes int) units.Duration {
	if srtt <= 0 || cwndBytes <= 0 {
		return 0
	}
	// 4·GSO / (2·cwnd/srtt) = 2·GSO·srtt/cwnd; srtt is far below 2⁴⁶ ns.
	d := min(units.Duration(MulDiv(2*linuxGSOMaxBytes, int64(srtt), int64(cwndBytes))), linuxHyStartAckDelayMax)
	return d - d%units.Microsecond
}
