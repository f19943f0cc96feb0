package stack

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// The two profiles: linux is DefaultConfig, rfc changes exactly the
// behaviours that Linux chooses differently from the RFCs.
func TestProfiles(t *testing.T) {
	lin, rfc := ConfigFor(ProfileLinux), ConfigFor(ProfileRFC)
	if lin != DefaultConfig() || rfc != RFCConfig() {
		t.Fatal("ConfigFor does not return the presets")
	}
	for _, c := range []Config{lin, rfc} {
		if err := c.Validate(); err != nil {
			t.Fatalf("%v: %v", c.Profile, err)
		}
	}
	if !lin.LinuxRTO || !lin.QuickACK || !lin.LinuxSegmentChecks || lin.SlowStartLimitSegments != 0 ||
		lin.Recovery != RecoveryRACK || lin.MinRTO != 200*units.Millisecond {
		t.Errorf("linux profile %+v", lin)
	}
	if rfc.LinuxRTO || rfc.QuickACK || rfc.LinuxSegmentChecks || rfc.SlowStartLimitSegments != 2 ||
		rfc.Recovery != RecoverySACK || rfc.MinRTO != units.Second {
		t.Errorf("rfc profile %+v", rfc)
	}
	for _, name := range []string{"linux", "rfc"} {
		p, err := ParseProfile(name)
		if err != nil || p.String() != name {
			t.Errorf("ParseProfile(%q) = %v, %v", name, p, err)
		}
	}
	if _, err := ParseProfile("bsd"); err == nil {
		t.Error("ParseProfile accepted bsd")
	}
}

// Under the rfc profile the RTO after a 10 ms handshake is RFC 6298's
// 1 s floor (§2.4), and backoff doubles it.
func TestRFCProfileRTOTimeline(t *testing.T) {
	cfg := RFCConfig()
	cfg.MSS, cfg.SndBuf, cfg.RcvBuf = 1000, 64000, 64000
	cfg.Timestamps, cfg.WindowScaling, cfg.SACK = false, false, false
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>")
	s.at(100 * ms).write(100)
	s.out(100*ms, "P. 1:101(100) ack 1")
	s.none(1099 * ms)
	s.out(1100*ms, "P. 1:101(100) ack 1")
	s.out(3100*ms, "P. 1:101(100) ack 1")
	s.at(3110 * ms).in(". 1:1(0) ack 101")
	s.none(10 * units.Second)
}

// A connection whose peer does not offer SACK recovers with NewReno
// whatever the mode (Conn.recoveryMode): rack falls back, so the third
// duplicate ACK, not RACK's timer, starts fast retransmit, and partial
// ACKs retransmit the next hole (RFC 6582).
func TestRACKWithoutSACKIsNewReno(t *testing.T) {
	cfg := linuxScriptConfig()
	cfg.SACK = true
	cfg.Recovery = RecoveryRACK
	s := newScript(t, cfg)
	s.handshakeActive("win 65535 <mss 1000>") // no sackOK
	if m := s.c.recoveryMode(); m != RecoveryNewReno {
		t.Fatalf("recovery mode %v, want newreno", m)
	}
	s.at(100 * ms).write(6000)
	for i := 0; i < 6; i++ {
		f := gsoFlags(i)
		if i == 5 {
			f = "P."
		}
		s.out(100*ms, segf("%s %d:%d(1000) ack 1", f, 1+1000*i, 1001+1000*i))
	}
	// Segments 1 and 3 lost: duplicate ACKs for 2, 4, 5, 6.
	s.at(110 * ms).in(". 1:1(0) ack 1")
	s.in(". 1:1(0) ack 1")
	s.none(110 * ms)
	s.in(". 1:1(0) ack 1")
	s.out(110*ms, ". 1:1001(1000) ack 1")
	s.in(". 1:1(0) ack 1")
	s.at(120 * ms).in(". 1:1(0) ack 2001") // partial: the next hole at once
	s.out(120*ms, ". 2001:3001(1000) ack 1")
	s.at(130 * ms).in(". 1:1(0) ack 6001")
	s.none(2 * units.Second)
}
