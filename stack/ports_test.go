package stack

import (
	"errors"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// Ephemeral ports and the state census: a range of ten ports admits ten
// connections to one destination and refuses the eleventh until TIME-WAIT
// ends; the census sees every state along the way.

func TestEphemeralPortExhaustion(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EphemeralPortLow, cfg.EphemeralPortHigh = 50000, 50009
	n := newTestNet(t, 5*units.Millisecond, cfg, DefaultConfig())
	l, err := n.b.Listen(80, 16, newReno)
	if err != nil {
		t.Fatal(err)
	}
	var clients []*Conn
	for i := range 10 {
		c, err := n.a.Connect(n.now, 0, addrB, 80, newReno())
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		if want := uint16(50000 + i); c.LocalPort() != want {
			t.Fatalf("connect %d got port %d, want %d", i, c.LocalPort(), want)
		}
		clients = append(clients, c)
	}
	if _, err := n.a.Connect(n.now, 0, addrB, 80, newReno()); !errors.Is(err, ErrNoEphemeralPort) {
		t.Fatalf("11th connect: err %v, want ErrNoEphemeralPort", err)
	}
	// Another destination port has the whole range to itself.
	other, err := n.a.Connect(n.now, 0, addrB, 81, newReno())
	if err != nil || other.LocalPort() != 50000 {
		t.Fatalf("connect to port 81: port %d, err %v; want 50000, nil", other.LocalPort(), err)
	}
	other.Abort()

	var servers []*Conn
	n.runUntil(units.Time(units.Second), func() bool {
		for c := l.Accept(); c != nil; c = l.Accept() {
			servers = append(servers, c)
		}
		return len(servers) == 10
	})
	var counts [NumStates]int
	n.a.StateCounts(&counts)
	if counts[Established] != 10 || counts[SynSent] != 0 {
		t.Fatalf("client census %v, want 10 ESTABLISHED", counts)
	}
	// The clients close first, so they end in TIME-WAIT.
	for _, c := range clients {
		c.Close()
	}
	n.runFor(n.now.Add(units.Second))
	for _, c := range servers {
		c.Close()
	}
	n.runFor(n.now.Add(units.Second))
	n.a.StateCounts(&counts)
	if counts[TimeWait] != 10 || counts[Established] != 0 {
		t.Fatalf("client census %v, want 10 TIME-WAIT", counts)
	}
	if _, err := n.a.Connect(n.now, 0, addrB, 80, newReno()); !errors.Is(err, ErrNoEphemeralPort) {
		t.Fatalf("connect during TIME-WAIT: err %v, want ErrNoEphemeralPort", err)
	}

	// TIME-WAIT lasts 2·MSL = 60 s from the last ACK.
	n.runFor(n.now.Add(61 * units.Second))
	n.a.StateCounts(&counts)
	if counts != ([NumStates]int{}) {
		t.Fatalf("client census after TIME-WAIT %v, want all zero", counts)
	}
	for i := range 10 {
		c, err := n.a.Connect(n.now, 0, addrB, 80, newReno())
		if err != nil {
			t.Fatalf("connect %d after TIME-WAIT: %v", i, err)
		}
		// The rotor went on from where it stopped: 50001 after the
		// connection to port 81 took 50000.
		if want := uint16(50000 + (i+1)%10); c.LocalPort() != want {
			t.Fatalf("connect %d after TIME-WAIT got port %d, want %d", i, c.LocalPort(), want)
		}
	}
}

func TestEphemeralPortDefaultsAndValidation(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.EphemeralPortLow != 32768 || cfg.EphemeralPortHigh != 60999 {
		t.Fatalf("default range %d-%d, want Linux's 32768-60999", cfg.EphemeralPortLow, cfg.EphemeralPortHigh)
	}
	for _, r := range [][2]uint16{{0, 10}, {100, 99}} {
		cfg.EphemeralPortLow, cfg.EphemeralPortHigh = r[0], r[1]
		if cfg.Validate() == nil {
			t.Errorf("range %d-%d validated", r[0], r[1])
		}
	}
	cfg.EphemeralPortLow, cfg.EphemeralPortHigh = 65535, 65535
	if err := cfg.Validate(); err != nil {
		t.Errorf("range of one port: %v", err)
	}
}

// A range of one port ending at 65535 must not wrap the rotor to 0.
func TestEphemeralPortTopOfRange(t *testing.T) {
	cfg := DefaultConfig()
	cfg.EphemeralPortLow, cfg.EphemeralPortHigh = 65534, 65535
	n := newTestNet(t, units.Millisecond, cfg, DefaultConfig())
	for i, want := range []uint16{65534, 65535} {
		c, err := n.a.Connect(0, 0, addrB, 80, newReno())
		if err != nil || c.LocalPort() != want {
			t.Fatalf("connect %d: port %d, err %v; want %d", i, c.LocalPort(), err, want)
		}
	}
	if _, err := n.a.Connect(0, 0, addrB, 80, newReno()); !errors.Is(err, ErrNoEphemeralPort) {
		t.Fatalf("third connect: %v, want ErrNoEphemeralPort", err)
	}
	// Closing one frees it for the next connect.
	n.a.Conns()[0].Abort()
	if c, err := n.a.Connect(0, 0, addrB, 80, newReno()); err != nil || c.LocalPort() != 65534 {
		t.Fatalf("connect after abort: %v, %v; want port 65534", c, err)
	}
}

func TestStateCountsListenAndHalfOpen(t *testing.T) {
	n := newTestNet(t, 10*units.Millisecond, DefaultConfig(), DefaultConfig())
	if _, err := n.b.Listen(80, 8, newReno); err != nil {
		t.Fatal(err)
	}
	if _, err := n.a.Connect(0, 0, addrB, 80, newReno()); err != nil {
		t.Fatal(err)
	}
	// The SYN reaches B at 10 ms; its SYN-ACK reaches A at 20 ms.
	n.runFor(units.Time(15 * units.Millisecond))
	var a, b [NumStates]int
	n.a.StateCounts(&a)
	n.b.StateCounts(&b)
	if a[SynSent] != 1 || b[SynReceived] != 1 || b[Listen] != 1 {
		t.Fatalf("census A %v, B %v; want A 1 SYN-SENT, B 1 SYN-RECEIVED and 1 LISTEN", a, b)
	}
	if got := testing.AllocsPerRun(100, func() { n.b.StateCounts(&b) }); got != 0 {
		t.Fatalf("StateCounts allocates %v times", got)
	}
	for s := range State(NumStates) {
		if s.String() == "INVALID" {
			t.Errorf("state %d has no name", s)
		}
	}
	if TimeWait.String() != "TIME-WAIT" || SynReceived.String() != "SYN-RECEIVED" {
		t.Errorf("names %q, %q", TimeWait, SynReceived)
	}
}
