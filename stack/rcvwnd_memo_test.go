package stack

import (
	"math/rand/v2"
	"testing"
)

// advertiseLinuxPlain is advertise under Config.LinuxRcvWindow without
// advertiseLinux's memo: the window computed afresh every time.
func advertiseLinuxPlain(c *Conn, nxt Seq) uint16 {
	w := c.linuxWindow(nxt)
	c.rcvAdv, c.rcvWup = nxt.Add(w), nxt
	return uint16(min(w>>c.rcvShift, 65535))
}

// TestAdvertiseLinuxMemoMatchesPlain drives the receive-window state through
// many mixed steps, each changing one or a few of linuxWindow's inputs or
// none, and checks that every advertisement, with its effects on rcvAdv,
// rcvWup and quickAcks, is the one computed afresh. Advertisements are often
// made twice in a row, as a sender's are, so that the memo is taken and then
// found stale when a single input moves.
func TestAdvertiseLinuxMemoMatchesPlain(t *testing.T) {
	// With an MSS below 536 + 12, whether timestamps are on changes the
	// MSS assumed before any segment is measured (rcvMSS).
	for i, cfg := range []Config{{MSS: 1460}, {MSS: 540}, {MSS: 1460, RcvBufInitial: 87380}} {
		cfg.LinuxRcvWindow = true
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		c := &Conn{cfg: &cfg}
		c.rcvBuf.limit = 65536
		pick := func(vs ...int) int { return vs[rng.IntN(len(vs))] }
		mutate := func() {
			switch rng.IntN(13) {
			case 0:
				c.rcvBuf.nxt = c.rcvBuf.nxt.Add(pick(0, 1, 1448, 3000))
			case 1:
				c.finRcvd = !c.finRcvd
			case 2:
				c.rcvAdv = c.rcvNxt().Add(pick(-100, 0, 1, 1448, 30000, 65535, 1<<20))
			case 3:
				c.rcvWup = c.rcvNxt().Add(-pick(0, 1, 1448))
			case 4:
				c.rcvBuf.limit = pick(0, 4096, 65536, 1<<20)
				c.rcvBuf.unread = min(c.rcvBuf.unread, c.rcvBuf.limit)
			case 5:
				c.rcvBuf.unread = min(pick(0, 1, 1000, 3000, 3566, 40000, 600000), c.rcvBuf.limit)
			case 6:
				c.windowClamp = pick(0, 3000, 60000, 64076, 65535, 1<<20)
			case 7:
				c.rcvSsthresh = pick(0, 2920, 14600, 60000, 1<<20)
			case 8:
				c.rcvShift = uint8(pick(0, 0, 1, 2, 7))
			case 9:
				c.scalingRatio = pick(0, 100, 128, 200)
			case 10:
				c.rcvMSSEst = pick(0, 536, 1000, 1448)
			case 11:
				c.tsOK = !c.tsOK
			case 12:
				c.quickAcks = pick(0, 1, 3)
			}
		}
		for step := 0; step < 200000; step++ {
			for n := pick(0, 1, 1, 1, 2); n > 0; n-- {
				mutate()
			}
			for k := pick(1, 2, 3); k > 0; k-- {
				nxt := c.rcvNxt()
				adv, wup, quick := c.rcvAdv, c.rcvWup, c.quickAcks
				want := advertiseLinuxPlain(c, nxt)
				wantAdv, wantWup, wantQuick := c.rcvAdv, c.rcvWup, c.quickAcks
				c.rcvAdv, c.rcvWup, c.quickAcks = adv, wup, quick
				got := c.advertise(false)
				if got != want || c.rcvAdv != wantAdv || c.rcvWup != wantWup || c.quickAcks != wantQuick {
					t.Fatalf("config %d step %d: window %d adv %d wup %d quickAcks %d, want %d %d %d %d",
						i, step, got, c.rcvAdv, c.rcvWup, c.quickAcks, want, wantAdv, wantWup, wantQuick)
				}
			}
		}
	}
}
