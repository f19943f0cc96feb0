package experiment

import (
	"strings"
	"testing"

	"github.com/ccbench/ccbench/units"
)

func TestScheduleCarriesValuesForward(t *testing.T) {
	c := load(t, "[link]\nrate = \"100Mbit/s\"\ndelay = \"20ms\"\nschedule = \"10s rate=20Mbit/s; 20s delay=30ms loss=1%\"\n")
	want := []Change{
		{At: 10 * units.Second, Rate: 20 * units.MbitPerSecond, Delay: 20 * units.Millisecond},
		{At: 20 * units.Second, Rate: 20 * units.MbitPerSecond, Delay: 30 * units.Millisecond, Loss: 0.01},
	}
	if len(c.Link.Schedule) != 2 || c.Link.Schedule[0] != want[0] || c.Link.Schedule[1] != want[1] {
		t.Fatalf("schedule %+v, want %+v", c.Link.Schedule, want)
	}
}

func TestScheduleErrorsNameTheKey(t *testing.T) {
	for _, bad := range []string{"10s", "10s speed=1Mbit/s", "20s rate=1Mbit/s; 10s rate=2Mbit/s", "10s rate=-1Mbit/s"} {
		_, err := LoadBytes("test.toml", []byte("[link]\nschedule = \""+bad+"\"\n"), nil)
		if err == nil || !strings.Contains(err.Error(), "link.schedule") || !strings.Contains(err.Error(), "increasing time") {
			t.Errorf("schedule %q: error %v, want one naming link.schedule and the form", bad, err)
		}
	}
}
