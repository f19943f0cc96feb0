package netem

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ccbench/ccbench/packet"
	"github.com/ccbench/ccbench/units"
)

func TestValidateAcceptsSensibleConfigs(t *testing.T) {
	for _, c := range []LinkConfig{
		{},
		{Rate: 100 * units.MbitPerSecond, Delay: 10 * units.Millisecond, QueuePackets: 100},
		{Rate: units.GbitPerSecond, LossRate: 1, QueueBytes: 1 << 20, Seed: 7},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", c, err)
		}
	}
}

func TestValidateNamesFieldValueAndWhatIsAllowed(t *testing.T) {
	for _, tc := range []struct {
		cfg          LinkConfig
		field, value string
		allowed      string
	}{
		{LinkConfig{Rate: -1}, "Rate", "-1bit/s", "0 for an unlimited rate"},
		{LinkConfig{Delay: -5 * units.Millisecond}, "Delay", "-5ms", "0 or more"},
		{LinkConfig{LossRate: 1.5}, "LossRate", "1.5", "between 0 and 1"},
		{LinkConfig{LossRate: -0.1}, "LossRate", "-0.1", "between 0 and 1"},
		{LinkConfig{LossRate: math.NaN()}, "LossRate", "NaN", "between 0 and 1"},
		{LinkConfig{QueueBytes: -1}, "QueueBytes", "-1", "0 for no byte limit"},
		{LinkConfig{QueuePackets: -3}, "QueuePackets", "-3", "0 for no packet limit"},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("Validate(%+v) = %v, want a *ConfigError", tc.cfg, err)
			continue
		}
		if ce.Field != tc.field || ce.Value != tc.value || !strings.Contains(ce.Allowed, tc.allowed) {
			t.Errorf("Validate(%+v) = %+v, want field %q value %q allowed ~%q", tc.cfg, *ce, tc.field, tc.value, tc.allowed)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.field) || !strings.Contains(msg, tc.value) {
			t.Errorf("message %q does not name %s and %s", msg, tc.field, tc.value)
		}
	}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	err := LinkConfig{Rate: -1, LossRate: 2, QueuePackets: -1}.Validate()
	for _, field := range []string{"Rate", "LossRate", "QueuePackets"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate error %v does not mention %s", err, field)
		}
	}
}

func TestNewLinkRejectsBadConfigAndMissingPool(t *testing.T) {
	if _, err := NewLink(LinkConfig{LossRate: 2}, &packet.Pool{}); err == nil {
		t.Error("NewLink accepted LossRate 2")
	}
	if _, err := NewLink(LinkConfig{}, nil); err == nil || !strings.Contains(err.Error(), "pool") {
		t.Errorf("NewLink with nil pool = %v, want an error naming the pool", err)
	}
}
