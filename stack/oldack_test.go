package stack

import (
	"testing"

	"github.com/ccbench/ccbench/units"
)

// An ACK below SND.UNA, reordered behind a later one, still carries SACK
// information: Linux's tcp_ack applies it at old_ack (tcp_sacktag_write_queue,
// tcp_fastretrans_alert, tcp_xmit_recovery) without touching the window, so
// the two segments it reports delivered let two more go. Before, the stack
// dropped the ACK whole and the next segment waited for the RTO.
func TestOldACKSACKsLetMoreGo(t *testing.T) {
	s := flightOf10(t, rackScriptConfig(), "win 65535 <mss 1000,sackOK>")
	// The first segment is lost: three SACKs, and RACK resends it.
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 1001:2001>")
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 1001:3001>")
	s.at(112 * ms).in(". 1:1(0) ack 1 <sack 1001:3001 8001:9001>")
	s.out(112*ms, ". 1:1001(1000) ack 1")
	// Its ACK finds 4001:8001 lost below the SACKed 8001:9001; PRR
	// resends three of them.
	s.at(125 * ms).in(". 1:1(0) ack 4001 <sack 8001:9001>")
	s.out(125*ms, ". 4001:5001(1000) ack 1")
	s.out(125*ms, "P. 5001:6001(1000) ack 1")
	s.out(125*ms, ". 6001:7001(1000) ack 1")
	s.at(125 * ms).write(6000)
	// An older ACK (3001), delayed behind that one, SACKs two segments:
	// two go, the last lost one and the first new one.
	s.at(127 * ms).in(". 1:1(0) ack 3001 <sack 5001:7001>")
	s.out(127*ms, ". 7001:8001(1000) ack 1")
	s.out(127*ms, ". 10001:11001(1000) ack 1")
	s.none(127*ms + 100*units.Microsecond)
}
