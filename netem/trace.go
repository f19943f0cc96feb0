// Trace-driven links in the manner of Mahimahi's LinkShell (Netravali et
// al., "Mahimahi: Accurate Record-and-Replay for HTTP", USENIX ATC 2015):
// instead of a fixed rate, the link's capacity is a list of delivery
// opportunities recorded from a real network, typically a cellular one,
// whose capacity changes from millisecond to millisecond.
//
// The trace format is Mahimahi's: one line per delivery opportunity, each
// a non-negative whole number of milliseconds since the start of the
// trace, in non-decreasing order; several lines may name the same
// millisecond. Each opportunity can deliver up to one MTU of 1500 bytes.
// When the last line has been used the trace starts over, shifted by the
// last line's timestamp, which is therefore the trace's period and must
// be positive. A line of 12 Mbit/s is the single line "1", or one line per
// millisecond.
//
// Like Mahimahi, the transmitter spends an opportunity's 1500 bytes on as
// many waiting packets as fit and carries a packet that does not fit over
// to the next opportunities, delivering it when its last byte has been
// given one; bytes of an opportunity that find no packet waiting are
// lost, and so are opportunities that pass while the queue is empty. A
// saturated trace link therefore delivers exactly 1500 bytes per
// opportunity.
//
// Wiring into the Link: traceSerializer has the serializer's shape (idle,
// start, finishBy, deadline, and the inService and finish fields that
// Link.advance and Stats read), so a Link built from a trace holds one in
// place of its serializer, through a small interface in link.go with a
// finishTime method added to both. BusyTime has no meaning on a trace
// link; its utilization is DeliveredBytes over Trace.CapacityBytes.

package netem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// TraceMTU is what one delivery opportunity carries, in bytes.
const TraceMTU = 1500

// Trace is a parsed delivery-opportunity trace.
type Trace struct {
	// at are the opportunities' offsets from the start of each period,
	// non-decreasing; the last one equals period.
	at     []units.Duration
	period units.Duration
}

// ParseTrace reads a Mahimahi trace. Blank lines are skipped; anything
// else that is not a non-negative integer in order is an error naming the
// line.
func ParseTrace(r io.Reader) (*Trace, error) {
	t := &Trace{}
	sc := bufio.NewScanner(r)
	line := 0
	var prev int64
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 || ms > int64(units.Never/units.Time(units.Millisecond))/2 {
			return nil, fmt.Errorf("netem: trace line %d: %s is not a timestamp: want a whole number of milliseconds, 0 or more", line, units.Excerpt(s))
		}
		if ms < prev {
			return nil, fmt.Errorf("netem: trace line %d: %d ms comes after %d ms: timestamps must not decrease", line, ms, prev)
		}
		prev = ms
		t.at = append(t.at, units.Duration(ms)*units.Millisecond)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("netem: trace line %d: longer than %d bytes, so not a timestamp: want a whole number of milliseconds, 0 or more", line+1, bufio.MaxScanTokenSize)
	} else if err != nil {
		return nil, fmt.Errorf("netem: reading trace: %w", err)
	}
	if len(t.at) == 0 {
		return nil, fmt.Errorf("netem: trace has no delivery opportunities")
	}
	t.period = t.at[len(t.at)-1]
	if t.period <= 0 {
		return nil, fmt.Errorf("netem: trace's last timestamp is 0 ms: it is the period after which the trace repeats, and must be positive")
	}
	return t, nil
}

// Period is the time after which the trace repeats.
func (t *Trace) Period() units.Duration { return t.period }

// Len is the number of opportunities in one period.
func (t *Trace) Len() int { return len(t.at) }

// opportunitiesBy counts the opportunities at or before time u.
func (t *Trace) opportunitiesBy(u units.Time) int64 {
	if u < 0 {
		return 0
	}
	d := units.Duration(u)
	periods := int64(d / t.period)
	within := d % t.period
	n, found := slices.BinarySearch(t.at, within)
	for found && n < len(t.at) && t.at[n] == within {
		n++
	}
	return periods*int64(len(t.at)) + int64(n)
}

// CapacityBytes is what the trace can deliver in (from, to]: 1500 bytes
// per opportunity in that span.
func (t *Trace) CapacityBytes(from, to units.Time) int64 {
	return (t.opportunitiesBy(to) - t.opportunitiesBy(from)) * TraceMTU
}

// traceSerializer is the transmitter of a trace-driven link.
type traceSerializer struct {
	trace *Trace
	// next is the index in trace.at of the next unused opportunity, in
	// the period starting at base.
	next int
	base units.Time
	// left bytes of the opportunity at leftAt are still unused; only a
	// packet starting at leftAt, the previous packet's finish, can use
	// them.
	left   int
	leftAt units.Time
	// inService and finish are as in serializer.
	inService *packet.Packet
	n         int
	finish    units.Time
}

func newTraceSerializer(t *Trace) *traceSerializer {
	return &traceSerializer{trace: t}
}

// idle reports whether no packet is being transmitted.
func (s *traceSerializer) idle() bool { return s.inService == nil }

// start begins transmitting p at time at: its bytes go to the leftover of
// the opportunity at at, if any, then to the next opportunities, and it
// finishes at the one that takes its last byte.
func (s *traceSerializer) start(at units.Time, p *packet.Packet, n int) {
	s.inService, s.n = p, n
	need := n
	s.finish = at
	if s.left > 0 && s.leftAt == at {
		take := min(need, s.left)
		s.left -= take
		need -= take
	}
	for need > 0 {
		s.finish = s.takeOpportunity(at)
		take := min(need, TraceMTU)
		need -= take
		s.left, s.leftAt = TraceMTU-take, s.finish
	}
}

// takeOpportunity returns the time of the first unused opportunity at or
// after at and uses it up; the ones before at pass unused.
func (s *traceSerializer) takeOpportunity(at units.Time) units.Time {
	t := s.trace
	if s.base.Add(t.at[s.next]) < at {
		// Skip whole periods at once, then search within the period that
		// holds at. If base moved, everything in its new period is
		// unused; if not, the search cannot land before next, whose
		// opportunity is already earlier than at.
		s.base = s.base.Add(at.Sub(s.base) / t.period * t.period)
		// at - base is now below the period, the last offset, so an
		// opportunity at or after at exists in this period.
		s.next, _ = slices.BinarySearch(t.at, at.Sub(s.base))
	}
	due := s.base.Add(t.at[s.next])
	s.next++
	if s.next == len(t.at) {
		s.next, s.base = 0, s.base.Add(t.period)
	}
	return due
}

// finishBy returns the packet in service if its last byte has been
// delivered by now, with its length, leaving the transmitter idle, or nil.
func (s *traceSerializer) finishBy(now units.Time) (*packet.Packet, int) {
	p := s.inService
	if p == nil || s.finish > now {
		return nil, 0
	}
	s.inService = nil
	return p, s.n
}

// deadline is when the packet in service finishes, or units.Never when idle.
func (s *traceSerializer) deadline() units.Time {
	if s.inService == nil {
		return units.Never
	}
	return s.finish
}

// finishTime is when the packet in service finishes.
func (s *traceSerializer) finishTime() units.Time { return s.finish }
