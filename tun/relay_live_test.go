package tun

import (
	"reflect"
	"sync"
	"testing"

	"github.com/ccbench/ccbench/netem"
	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

// TestRelayPublishesEveryCounter fills every counter of a
// netem.LinkStats with a distinct value and reads it back through the
// published words: a counter added to LinkStats and not to packStats
// fails here.
func TestRelayPublishesEveryCounter(t *testing.T) {
	var in netem.LinkStats
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Name == "Config" {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(1000 + i))
		default:
			t.Fatalf("LinkStats.%s is a %s, which packStats does not carry", v.Type().Field(i).Name, f.Kind())
		}
	}
	var l liveLinks
	l.publish(7, &in, &netem.LinkStats{})
	var out, rev netem.LinkStats
	if at := l.read(&out, &rev); at != 7 {
		t.Errorf("publication time %v, want 7", at)
	}
	if out != in {
		t.Errorf("read back\n%+v\nwant\n%+v", out, in)
	}
}

// TestRelayLiveLinksAreConsistent has a writer publish snapshots whose counters
// all hold the same number while readers copy them: a reader that ever
// sees two different numbers in one copy has seen a torn snapshot.
func TestRelayLiveLinksAreConsistent(t *testing.T) {
	var l liveLinks
	const rounds = 20000
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			var fwd, rev netem.LinkStats
			for range rounds {
				l.read(&fwd, &rev)
				if fwd.DeliveredBytes != fwd.EnqueuedPackets || int64(fwd.BusyTime) != fwd.EnqueuedPackets || rev.DroppedPackets != fwd.EnqueuedPackets {
					t.Errorf("torn snapshot: %+v / %+v", fwd, rev)
					return
				}
			}
		})
	}
	for i := range int64(rounds) {
		s := netem.LinkStats{EnqueuedPackets: i, DeliveredBytes: i, BusyTime: units.Duration(i), DroppedPackets: i}
		l.publish(units.Time(i), &s, &s)
	}
	wg.Wait()
}

// TestRelayLiveLinksFollowTheLinks enqueues datagrams on a relay's forward link
// by hand and checks that what LiveLinks shows after a publication is the
// link's own statistics, configuration included.
func TestRelayLiveLinksFollowTheLinks(t *testing.T) {
	fwdCfg := netem.LinkConfig{Rate: 10 * units.MbitPerSecond, Delay: units.Millisecond, QueueBytes: 3000}
	r, err := newRelay(fwdCfg, netem.LinkConfig{}, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		r.fwd.Enqueue(0, ipv4Datagram(&r.pool, 1500, mixKernelAddr, mixPeerAddr))
	}
	var fwd, rev netem.LinkStats
	r.LiveLinks(&fwd, &rev)
	if fwd.EnqueuedPackets != 0 {
		t.Errorf("before a publication LiveLinks shows %d enqueued, want 0", fwd.EnqueuedPackets)
	}
	r.publishLinks(5)
	if at := r.LiveLinks(&fwd, &rev); at != 5 {
		t.Errorf("publication time %v, want 5", at)
	}
	if want, _ := r.Links(); fwd != want {
		t.Errorf("LiveLinks forward\n%+v\nwant\n%+v", fwd, want)
	}
	// One datagram on the wire, two waiting (3000 bytes hold two), one
	// dropped.
	if fwd.QueuePackets != 2 || fwd.QueueBytes != 3000 || fwd.DroppedPackets != 1 {
		t.Errorf("queue %d packets / %d bytes, %d dropped; want 2 / 3000, 1", fwd.QueuePackets, fwd.QueueBytes, fwd.DroppedPackets)
	}
	var sink []*packet.Packet
	for now := units.Time(0); now < units.Time(10*units.Millisecond); now = now.Add(100 * units.Microsecond) {
		for p := r.fwd.Dequeue(now); p != nil; p = r.fwd.Dequeue(now) {
			sink = append(sink, p)
		}
	}
	r.publishLinks(units.Time(10 * units.Millisecond))
	r.LiveLinks(&fwd, &rev)
	// Three serializations of 1.2 ms and 1 ms of delay end by 4.6 ms.
	if len(sink) != 3 || fwd.DeliveredPackets != 3 || fwd.QueuePackets != 0 {
		t.Errorf("delivered %d (%d published), queue %d; want 3, 3, 0", len(sink), fwd.DeliveredPackets, fwd.QueuePackets)
	}
	// The queue held the second datagram for one serialization and the
	// third for two.
	if qd := r.QueueDelay(); qd.Count() != 3 || qd.Max() != 2400*units.Microsecond {
		t.Errorf("queue delay recorded for %d datagrams, longest %v; want 3, 2.4ms", qd.Count(), qd.Max())
	}
}

func TestRelayPublishAllocatesNothing(t *testing.T) {
	r, err := newRelay(netem.LinkConfig{Rate: units.GbitPerSecond}, netem.LinkConfig{}, NewClock())
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(1000, func() { r.publishLinks(1) }); a != 0 {
		t.Fatalf("a publication allocates %v times, want 0", a)
	}
}

// BenchmarkPublishLinks is the relay's cost of one publication of both
// links' statistics.
func BenchmarkPublishLinks(b *testing.B) {
	r, err := newRelay(netem.LinkConfig{Rate: units.GbitPerSecond}, netem.LinkConfig{}, NewClock())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.publishLinks(1)
	}
}
