package netem

import (
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// Three 1500-byte packets arriving together at 100 Mbit/s wait 0, 120 and
// 240 µs for the transmitter: 360 µs of queueing in all.
func TestSojournIsTimeWaitingForTheTransmitter(t *testing.T) {
	var pool packet.Pool
	l, err := NewLink(LinkConfig{Rate: 100 * units.MbitPerSecond, Delay: units.Millisecond}, &pool)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p := pool.Get()
		p.SetLen(1500)
		l.Enqueue(0, p)
	}
	for now := units.Time(0); now < units.Time(10*units.Millisecond); now += units.Time(units.Microsecond) {
		for p := l.Dequeue(now); p != nil; p = l.Dequeue(now) {
			pool.Put(p)
		}
	}
	st := l.Stats()
	if st.ServedPackets != 3 || st.SojournTotal != 360*units.Microsecond {
		t.Fatalf("served %d, sojourn %v; want 3 and 360us", st.ServedPackets, st.SojournTotal)
	}
}
