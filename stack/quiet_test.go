package stack

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// The visits Output does not make (quiet.go) must change nothing: the
// same scenarios run with the shortcuts and without them
// (visitShortcutsOff) must send the same packets at the same times, and
// leave every connection in the same state after every event.

// quietScenario is one configuration of visitWorld.
type quietScenario struct {
	name     string
	cfg      func(*Config)
	alg      string
	conns    int     // connections opened, a few at a time
	loss     float64 // probability a packet is dropped
	jitter   int     // extra delay up to this many ms, so packets reorder
	bidi     bool    // servers write too
	appPaced bool    // clients write in small pieces every few ms
	slow     bool    // some servers read a little at a time
	size     int     // bytes each client writes; 0 for 20 to 420 kB
}

// visitRun is what a run leaves: digests of the packets and of every
// connection's state after every event, and counts to show that both
// shortcuts were taken.
type visitRun struct {
	packets, states [32]byte
	sent            int
	visits          int64 // Output's visits (outputCalls)
	quietSeen       int   // ready connections that were quiet at a drain
}

func visitWorld(t *testing.T, sc quietScenario, off bool) visitRun {
	t.Helper()
	visitShortcutsOff = off
	defer func() { visitShortcutsOff = false }()
	cfg := DefaultConfig()
	if sc.cfg != nil {
		sc.cfg(&cfg)
	}
	var pool packet.Pool
	a, err := NewHost(addrA, cfg, &pool, 21)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewHost(addrB, cfg, &pool, 22)
	if err != nil {
		t.Fatal(err)
	}
	newAlg := func() cc.CongestionControl {
		alg, err := cc.New(sc.alg)
		if err != nil {
			t.Fatal(err)
		}
		return alg
	}
	l, err := b.Listen(80, 64, newAlg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(sc.name))))
	pkts, states := sha256.New(), sha256.New()
	var run visitRun
	var q flightQueue
	var now units.Time
	type app struct {
		c        *Conn
		toWrite  int
		readAll  bool
		closeHow int // 0 CloseWrite, 1 Close, 2 never
		closed   bool
		server   bool
	}
	var apps []*app
	buf := make([]byte, 3000)
	drain := func(h, to *Host, from byte) {
		for _, c := range h.order {
			if c.pos >= 0 && h.ready.has(c.pos) && !c.ackNow && c.sent.len() == 0 && c.quiet(now) {
				run.quietSeen++
			}
		}
		for p := h.Output(now); p != nil; p = h.Output(now) {
			run.sent++
			var stamp [9]byte
			stamp[0] = from
			binary.LittleEndian.PutUint64(stamp[1:], uint64(now))
			pkts.Write(stamp[:])
			pkts.Write(p.Bytes())
			if rng.Float64() < sc.loss {
				pool.Put(p)
				continue
			}
			d := 5*ms + units.Duration(rng.IntN(sc.jitter*1000+1))*units.Microsecond
			q.push(flight{at: now.Add(d), to: to, p: p})
		}
	}
	act := func() {
		for c := l.Accept(); c != nil; c = l.Accept() {
			ap := &app{c: c, server: true, readAll: !sc.slow || rng.IntN(3) > 0, closeHow: rng.IntN(3)}
			if sc.bidi {
				ap.toWrite = rng.IntN(30000)
			}
			apps = append(apps, ap)
		}
		for _, ap := range apps {
			c := ap.c
			if c.State() == Closed {
				continue
			}
			// Readers that read everything at once, and slow ones that
			// read a little at a time and let the window close.
			if ap.readAll {
				c.Discard(c.Readable())
			} else if rng.IntN(3) == 0 {
				c.Read(buf[:rng.IntN(len(buf))+1])
			}
			for ap.toWrite > 0 {
				n := ap.toWrite
				if sc.appPaced && !ap.server {
					n = min(n, 1+rng.IntN(2000))
				}
				k, _ := c.Write(buf[:min(n, len(buf))])
				ap.toWrite -= k
				if k == 0 || sc.appPaced {
					break
				}
			}
			if ap.closed || ap.toWrite > 0 || ap.server && !c.PeerClosed() || c.State() == SynSent {
				continue
			}
			ap.closed = true
			switch ap.closeHow {
			case 0:
				c.CloseWrite()
			case 1:
				c.Close()
			}
		}
	}
	events := 0
	snapshot := func() {
		// Every field of every connection, followed into its congestion
		// control and scoreboard, every 64th event; the connection's own
		// scalars every 4th.
		events++
		if events%4 != 0 {
			return
		}
		deep := events%64 == 0
		for _, h := range []*Host{a, b} {
			for _, c := range h.order {
				hashState(states, reflect.ValueOf(c).Elem(), deep, map[uintptr]bool{})
			}
			for _, c := range h.order {
				binary.Write(states, binary.LittleEndian, int64(c.nextDeadline()))
			}
		}
	}
	const end, opensEnd = units.Time(2000 * units.Millisecond), units.Time(1000 * units.Millisecond)
	opened, nextOpen := 0, units.Time(0)
	for now <= end {
		if now >= nextOpen && now < opensEnd && opened < sc.conns {
			for range 1 + rng.IntN(3) {
				c, err := a.Connect(now, 0, addrB, 80, newAlg())
				if err != nil {
					t.Fatal(err)
				}
				opened++
				size := sc.size
				if size == 0 {
					size = 20000 + rng.IntN(400000)
				}
				apps = append(apps, &app{c: c, toWrite: size, readAll: true, closeHow: rng.IntN(3)})
			}
			nextOpen = now.Add(units.Duration(rng.IntN(60)) * ms)
		}
		for q.len() > 0 && q.next() <= now {
			f := q.pop()
			f.to.Input(now, f.p)
			act()
			drain(a, b, 'A')
			drain(b, a, 'B')
			snapshot()
		}
		for _, h := range []*Host{a, b} {
			if h.NextDeadline() <= now {
				h.OnTimer(now)
			}
		}
		act()
		drain(a, b, 'A')
		drain(b, a, 'B')
		snapshot()
		next := end + 1
		if nextOpen < opensEnd && opened < sc.conns {
			next = nextOpen
		}
		if q.len() > 0 {
			next = min(next, q.next())
		}
		if sc.appPaced {
			next = min(next, now.Add(3*ms))
		}
		for _, h := range []*Host{a, b} {
			next = min(next, h.NextDeadline())
		}
		now = max(next, now+1)
	}
	copy(run.packets[:], pkts.Sum(nil))
	copy(run.states[:], states.Sum(nil))
	run.visits = a.outputCalls + b.outputCalls
	return run
}

// hashState writes every scalar v holds into h, following pointers,
// interfaces and slices if deep, except what is not the connection's own state:
// the host, the listener and the buffers' payload bytes (the packets'
// digest covers those).
func hashState(h hash.Hash, v reflect.Value, deep bool, seen map[uintptr]bool) {
	var b [8]byte
	put := func(x uint64) {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			put(1)
		} else {
			put(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		put(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		put(v.Uint())
	case reflect.Float32, reflect.Float64:
		put(math.Float64bits(v.Float()))
	case reflect.String:
		h.Write([]byte(v.String()))
	case reflect.Array:
		for i := range v.Len() {
			hashState(h, v.Index(i), deep, seen)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			put(uint64(v.Len()))
			return
		}
		put(uint64(v.Len()))
		if !deep {
			return
		}
		for i := range v.Len() {
			hashState(h, v.Index(i), deep, seen)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			switch v.Type().Field(i).Type {
			case reflect.TypeFor[*Host](), reflect.TypeFor[*Listener](), reflect.TypeFor[*ChunkPool](), reflect.TypeFor[*packet.Pool]():
				continue
			}
			hashState(h, v.Field(i), deep, seen)
		}
	case reflect.Pointer:
		if v.IsNil() {
			put(0)
			return
		}
		if !deep || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		hashState(h, v.Elem(), deep, seen)
	case reflect.Interface:
		if v.IsNil() || !deep {
			put(0)
			return
		}
		hashState(h, v.Elem(), deep, seen)
	case reflect.Map:
		put(uint64(v.Len()))
	}
	// Funcs and channels hold no state of the connection's.
}

func quietScenarios() []quietScenario {
	return []quietScenario{
		{name: "linux reno loss reorder", alg: "reno", conns: 8, loss: 0.02, jitter: 3, slow: true},
		{name: "linux cubic bidirectional", alg: "cubic", conns: 8, loss: 0.01, jitter: 1, bidi: true},
		{name: "bbr", alg: "bbr", conns: 6, loss: 0.01, jitter: 2},
		{name: "no sack, no delayed ack", alg: "reno", conns: 8, loss: 0.02, jitter: 2, cfg: func(c *Config) {
			c.SACK = false
			c.DelayedACK = 0
		}},
		{name: "pacing, tso deferral, small buffers", alg: "cubic", conns: 6, slow: true, loss: 0.01, jitter: 1, bidi: true, cfg: func(c *Config) {
			c.Pacing = true
			c.TSODeferral = true
			c.SndBuf, c.RcvBuf = 8<<10, 6<<10
		}},
		{name: "app-limited senders, keepalive", alg: "reno", conns: 6, loss: 0.01, jitter: 2, appPaced: true, cfg: func(c *Config) {
			c.Keepalive = true
			c.KeepaliveIdle, c.KeepaliveInterval = 50*ms, 20*ms
			c.TSODeferral = true
		}},
		{name: "rfc profile", alg: "reno", conns: 6, loss: 0.03, jitter: 4, bidi: true, slow: true, cfg: func(c *Config) {
			*c = RFCConfig()
		}},
		{name: "one connection", alg: "cubic", conns: 1, loss: 0.005, jitter: 0, size: 1 << 20},
	}
}

// TestVisitShortcutsChangeNothing runs every scenario with the shortcuts
// and without: every packet, its time and every connection's state after
// every event must match, and both shortcuts must have been taken.
func TestVisitShortcutsChangeNothing(t *testing.T) {
	var quiet int
	var saved int64
	for _, sc := range quietScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			want := visitWorld(t, sc, true)
			got := visitWorld(t, sc, false)
			t.Logf("%d packets; visits %d without the shortcuts, %d with; %d quiet connections at drains",
				want.sent, want.visits, got.visits, got.quietSeen)
			if want.sent < 300 {
				t.Fatalf("only %d packets: the scenario means nothing", want.sent)
			}
			if got.packets != want.packets || got.sent != want.sent {
				t.Fatalf("packets differ: %d with the shortcuts, %d without", got.sent, want.sent)
			}
			if got.states != want.states {
				t.Fatalf("connection states differ")
			}
			quiet += got.quietSeen
			saved += want.visits - got.visits
		})
	}
	if quiet == 0 || saved <= 0 {
		t.Fatalf("the shortcuts were not taken: %d quiet connections, %d visits saved", quiet, saved)
	}
}

// TestSchedulerMatchesVisitingEveryConn (schedule_test.go) compares the
// scheduler, shortcuts included, with a visit of every connection until
// each returns nil.
