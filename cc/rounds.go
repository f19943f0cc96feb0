// Round-trip counting from the ACK stream, for algorithms that act once
// per round trip (Vegas's rate comparison, BBR's filters): a round begins
// at an ACK and ends at the first ACK that acknowledges data sent after it
// began, so a round is the time it takes one window of data to cross the
// path and be acknowledged, whatever the RTT samples say.
//
// The counter reads Ack.Sent (bytes sent for the first time, before the
// sender answers this ACK with new data) and Ack.Delivered (bytes the
// receiver holds, SACKed or cumulatively acknowledged). A round that begins
// at an ACK carrying Sent = S ends at the first later ACK with Delivered >
// S: the first ACK to deliver a byte sent after the round began. This is
// Linux's rule for Vegas (the round ends when the cumulative ACK moves past
// the snd_nxt recorded at its start, after(ack, beg_snd_nxt)) and BBR's
// (the round ends when a packet sent after its start is delivered). Taking
// Delivered >= S instead would end every round one ACK early, since the
// bytes at S were sent before the round began.

package cc

// RoundCounter tells which ACKs end a round trip. The zero value has no
// round under way: the first ACK it sees starts one.
type RoundCounter struct {
	// end is the Sent of the ACK that began the current round: the round
	// ends once Delivered passes it.
	end     int64
	started bool
	count   int64
}

// OnAck reports whether a ends the current round, in which case the next
// round begins at a. The first ACK after construction or Restart begins a
// round without ending one.
func (r *RoundCounter) OnAck(a *Ack) bool {
	if !r.started {
		r.started, r.end = true, a.Sent
		return false
	}
	if a.Delivered <= r.end {
		return false
	}
	r.end = a.Sent
	r.count++
	return true
}

// Restart abandons the round under way; the next ACK begins a new one. An
// algorithm calls it when the measurements of the current round stop
// meaning anything, as after a congestion response.
func (r *RoundCounter) Restart() { r.started = false }

// Count is the number of rounds completed so far.
func (r *RoundCounter) Count() int64 { return r.count }

// DeliveryRoundCounter counts round trips as Linux's BBR does
// (bbr_update_round): a round that begins when the connection has
// delivered D bytes ends at the first ACK that delivers a packet sent after
// that, one whose rate sample's PriorDelivered is at least D.
//
// RoundCounter's rule, Delivered passing what had been sent, is the same
// while nothing is lost. Under loss it is not: Delivered falls behind Sent
// by every byte lost, so a round cannot end until the holes below the
// round's start are repaired, and a sender whose repairs need a timeout
// (without SACK, or a lost retransmission under RFC 6675) sees a round last
// from one timeout to the next. An algorithm that measures something per
// round (BBR's bandwidth plateau, which ends Startup) then never completes
// the measurement. Linux's rule ends the round as soon as anything sent in
// it comes back, holes or not.
type DeliveryRoundCounter struct {
	next    int64
	started bool
	count   int64
}

// OnAck reports whether a ends the current round, in which case the next
// round begins at a. The first ACK after construction or Restart begins a
// round without ending one.
func (r *DeliveryRoundCounter) OnAck(a *Ack) bool {
	if !r.started {
		r.started, r.next = true, a.Delivered
		return false
	}
	if a.Rate.Delivered <= 0 || a.Rate.PriorDelivered < r.next {
		return false
	}
	r.next = a.Delivered
	r.count++
	return true
}

// Restart abandons the round under way; the next ACK begins a new one.
func (r *DeliveryRoundCounter) Restart() { r.started = false }

// Count is the number of rounds completed so far.
func (r *DeliveryRoundCounter) Count() int64 { return r.count }
