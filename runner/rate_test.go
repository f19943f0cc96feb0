package runner

import (
	"testing"

	"github.com/ccbench/ccbench/cc"
	"github.com/ccbench/ccbench/metrics"
	"github.com/ccbench/ccbench/units"
)

// rateProbe wraps Reno and keeps the delivery-rate samples the stack hands
// it.
type rateProbe struct {
	cc.CongestionControl
	samples []cc.RateSample
	times   []units.Time
}

var rateProbes []*rateProbe

func init() {
	cc.MustRegister("rate-probe", func() cc.CongestionControl {
		r, _ := cc.New("reno")
		p := &rateProbe{CongestionControl: r}
		rateProbes = append(rateProbes, p)
		return p
	})
}

func (p *rateProbe) Name() string { return "rate-probe" }

func (p *rateProbe) OnAck(a *cc.Ack) {
	p.CongestionControl.OnAck(a)
	p.samples = append(p.samples, a.Rate)
	p.times = append(p.times, a.Now)
}

// TestDeliveryRateSamplesMatchTheBottleneck runs one flow over a lossless
// 100 Mbit/s path (no buffer limit; the 4 MiB receive window keeps a
// standing queue, so the link never idles) and checks every valid,
// non-application-limited rate sample after warm-up against the payload
// rate of the link: 100 Mbit/s × 1448/1500.
func TestDeliveryRateSamplesMatchTheBottleneck(t *testing.T) {
	rateProbes = nil
	sc := scenario(t, "link.buffer=unlimited", "duration=10s", "flows[0].cc=rate-probe")
	res, err := Simulate(sc, metrics.RunInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Link.Drops != 0 || res.Summary.Flows[0].Retransmits != 0 {
		t.Fatalf("the path was not lossless: %d drops", res.Summary.Link.Drops)
	}
	p := rateProbes[0]
	want := 100e6 * 1448 / 1500
	n, worst := 0, 0.0
	for i, s := range p.samples {
		if p.times[i] < units.Time(3*units.Second) || !s.Valid || s.IsAppLimited {
			continue
		}
		n++
		rel := float64(s.DeliveryRate())/want - 1
		if rel < 0 {
			rel = -rel
		}
		worst = max(worst, rel)
	}
	t.Logf("%d samples after 3 s; worst deviation from %.2f Mbit/s: %.3f%%", n, want/1e6, 100*worst)
	if n < 1000 {
		t.Fatalf("only %d valid samples", n)
	}
	if worst > 0.02 {
		t.Errorf("a rate sample deviates %.2f%% from the bottleneck rate, want within 2%%", 100*worst)
	}
}
