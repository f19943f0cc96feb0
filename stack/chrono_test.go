package stack

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// chronoNet connects A to B over 5 ms each way and keeps A's send buffer
// full (bulk) or writes size bytes once; B reads everything unless hold.
func chronoNet(t *testing.T, cfgA, cfgB Config, bulk bool, size int, hold bool) (n *testNet, client, server *Conn) {
	n = newTestNet(t, 5*ms, cfgA, cfgB)
	client, server = n.connect()
	buf := make([]byte, 64<<10)
	written := 0
	n.onStep = func() {
		for {
			want := len(buf)
			if !bulk {
				want = min(want, size-written)
			}
			w := 0
			if want > 0 {
				w, _ = client.Write(buf[:want])
			}
			if w == 0 {
				break
			}
			written += w
		}
		for !hold {
			if r, _ := server.Read(buf); r == 0 {
				break
			}
		}
	}
	n.onStep()
	return n, client, server
}

// checkShares fails unless the limits add up and the named share is at
// least frac of the active time.
func checkShares(t *testing.T, l SenderLimits, share units.Duration, frac float64) {
	t.Helper()
	if l.Busy+l.RwndLimited+l.SndbufLimited+l.AppLimited != l.Active || l.Active <= 0 {
		t.Fatalf("limits %+v do not add up to a positive active time", l)
	}
	if float64(share) < frac*float64(l.Active) {
		t.Fatalf("limits %+v: the share checked is under %.0f%% of the active time", l, 100*frac)
	}
}

// TestChronoReceiveWindow: a receiver that never reads closes its window,
// and the bulk sender waits on it from then on; the receiver's own
// connection, which never wrote, is not timed.
func TestChronoReceiveWindow(t *testing.T) {
	cfgB := DefaultConfig()
	cfgB.RcvBuf = 32 << 10
	n, client, server := chronoNet(t, DefaultConfig(), cfgB, true, 0, true)
	n.runFor(at(2 * units.Second))
	l := client.SenderLimits(n.now)
	checkShares(t, l, l.RwndLimited, 0.95)
	if l.SndbufLimited != 0 || l.AppLimited != 0 {
		t.Fatalf("limits %+v: only the receive window held this sender", l)
	}
	if r := server.SenderLimits(n.now); r != (SenderLimits{}) {
		t.Fatalf("the receiver's connection is timed: %+v", r)
	}
}

// TestChronoSendBuffer: a send buffer of eight segments is all in flight
// within the first round trips, while the congestion window keeps room.
func TestChronoSendBuffer(t *testing.T) {
	cfgA := DefaultConfig()
	cfgA.SndBuf = 8 * 1460
	n, client, _ := chronoNet(t, cfgA, DefaultConfig(), true, 0, false)
	n.runFor(at(2 * units.Second))
	l := client.SenderLimits(n.now)
	checkShares(t, l, l.SndbufLimited, 0.9)
	if l.RwndLimited != 0 || l.AppLimited != 0 {
		t.Fatalf("limits %+v: only the send buffer held this sender", l)
	}
}

// TestChronoApplicationLimited: 100 kB written once and never closed;
// the sender is held by its congestion window for the two round trips of
// slow start that send them (10 segments, then 20 of the remaining 59), then has nothing to send. (Data in flight with
// room in the window and nothing more to send is already the
// application's share, where Linux would still count it busy.)
func TestChronoApplicationLimited(t *testing.T) {
	n, client, _ := chronoNet(t, DefaultConfig(), DefaultConfig(), false, 100000, false)
	n.runFor(at(2 * units.Second))
	l := client.SenderLimits(n.now)
	checkShares(t, l, l.AppLimited, 0.95)
	if l.Busy != 20*ms || l.RwndLimited != 0 || l.SndbufLimited != 0 {
		t.Fatalf("limits %+v: want two round trips (20 ms) busy, then the application's", l)
	}
}

// TestChronoStopsAtFINAck: a closed flow's timing ends when its FIN is
// acknowledged; the connection lingering in TIME-WAIT adds nothing, and a
// sender that closed with its last write was never application-limited.
func TestChronoStopsAtFINAck(t *testing.T) {
	n, client, server := chronoNet(t, DefaultConfig(), DefaultConfig(), false, 100000, false)
	read := n.onStep
	n.onStep = func() {
		read()
		if client.Unsent() == 0 && client.State() == Established {
			client.Close()
		}
		if server.PeerClosed() && server.State() == CloseWait {
			server.Close()
		}
	}
	n.runUntil(at(10*units.Second), func() bool { return client.State() == TimeWait })
	done := client.SenderLimits(n.now)
	n.runFor(n.now.Add(units.Second))
	if l := client.SenderLimits(n.now); l != done || l.Active <= 0 || l.AppLimited != 0 {
		t.Fatalf("limits %+v a second after the FIN's ACK, %+v at it: want the same, none application-limited", l, done)
	}
}
