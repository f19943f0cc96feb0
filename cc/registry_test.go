package cc

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ccbench/ccbench/units"
)

// namedAlg is an algorithm that only has a name: the registry looks at
// nothing else.
type namedAlg struct{ name string }

func (a *namedAlg) Name() string              { return a.name }
func (a *namedAlg) Init(units.Time, int, int) {}
func (a *namedAlg) OnAck(*Ack)                {}
func (a *namedAlg) OnCongestion(*Event)       {}
func (a *namedAlg) Cwnd() int                 { return 1 }
func (a *namedAlg) Ssthresh() int             { return InfiniteSsthresh }
func (a *namedAlg) PacingRate() units.Rate    { return 0 }
func (a *namedAlg) Phase() string             { return "named" }

func factoryFor(name string) Factory {
	return func() CongestionControl { return &namedAlg{name: name} }
}

func TestRegisterAcceptsWellFormedNames(t *testing.T) {
	r := newRegistry()
	for _, name := range []string{"reno", "bbr2", "dctcp_ecn", "new-reno", "0"} {
		if err := r.register(name, factoryFor(name)); err != nil {
			t.Errorf("register(%q): %v", name, err)
		}
	}
}

func TestRegisterRejects(t *testing.T) {
	cases := []struct {
		name    string
		factory Factory
		want    string
	}{
		{"", factoryFor(""), `cc: an algorithm name must not be empty`},
		{"Reno", factoryFor("Reno"), `cc: algorithm name "Reno" may use only lower-case letters, digits, '_' and '-'`},
		{"new reno", factoryFor("new reno"), `may use only lower-case`},
		{"cubic!", factoryFor("cubic!"), `may use only lower-case`},
		{"a/b", factoryFor("a/b"), `may use only lower-case`},
		{"rénø", factoryFor("rénø"), `may use only lower-case`},
		{"reno", nil, `cc: algorithm "reno" registered with a nil factory`},
		{"reno", func() CongestionControl { return nil }, `cc: the factory for "reno" made no algorithm (nil)`},
		{"reno", factoryFor("cubic"), `cc: the factory registered as "reno" makes an algorithm named "cubic"`},
	}
	for _, c := range cases {
		r := newRegistry()
		err := r.register(c.name, c.factory)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("register(%q): error %v, want one containing %q", c.name, err, c.want)
		}
		if names := r.names(); len(names) != 0 {
			t.Errorf("register(%q) failed but left %q registered", c.name, names)
		}
	}
}

func TestRegisterRejectsDuplicate(t *testing.T) {
	r := newRegistry()
	if err := r.register("reno", factoryFor("reno")); err != nil {
		t.Fatal(err)
	}
	err := r.register("reno", factoryFor("reno"))
	if err == nil || err.Error() != `cc: algorithm "reno" is already registered` {
		t.Fatalf("second register: %v, want the duplicate error", err)
	}
}

func TestNewUnknownNameListsRegistered(t *testing.T) {
	r := newRegistry()
	_, err := r.new("reno")
	if err == nil || err.Error() != `unknown congestion control "reno"; none is registered` {
		t.Fatalf("empty registry: %v", err)
	}
	for _, name := range []string{"reno", "cubic", "bbr"} {
		if err := r.register(name, factoryFor(name)); err != nil {
			t.Fatal(err)
		}
	}
	alg, err := r.new("renoo")
	if alg != nil || err == nil || err.Error() != `unknown congestion control "renoo"; registered: bbr, cubic, reno` {
		t.Fatalf("new(\"renoo\") = %v, %v", alg, err)
	}
}

func TestNewMakesFreshInstances(t *testing.T) {
	r := newRegistry()
	if err := r.register("reno", factoryFor("reno")); err != nil {
		t.Fatal(err)
	}
	a, errA := r.new("reno")
	b, errB := r.new("reno")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Fatal("two New calls returned the same instance; connections would share state")
	}
}

func TestNamesSorted(t *testing.T) {
	r := newRegistry()
	for _, name := range []string{"vegas", "bbr", "reno", "cubic", "dctcp"} {
		if err := r.register(name, factoryFor(name)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"bbr", "cubic", "dctcp", "reno", "vegas"}
	if got := r.names(); !slices.Equal(got, want) {
		t.Fatalf("names() = %q, want %q", got, want)
	}
}

func TestDefaultRegistryHasReno(t *testing.T) {
	if !slices.Contains(Names(), "reno") {
		t.Fatalf("Names() = %q, want reno among them", Names())
	}
	alg, err := New("reno")
	if err != nil || alg.Name() != "reno" {
		t.Fatalf("New(\"reno\") = %v, %v", alg, err)
	}
	if err := Register("reno", newReno); err == nil {
		t.Fatal("registering reno twice succeeded")
	}
}

// TestRegistryConcurrentUse registers and looks up from many goroutines at
// once; run with -race it checks the locking.
func TestRegistryConcurrentUse(t *testing.T) {
	r := newRegistry()
	if err := r.register("reno", factoryFor("reno")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("alg%d", i)
			if err := r.register(name, factoryFor(name)); err != nil {
				t.Error(err)
			}
			for range 100 {
				if _, err := r.new("reno"); err != nil {
					t.Error(err)
				}
				r.names()
			}
		})
	}
	wg.Wait()
	if got := len(r.names()); got != 9 {
		t.Fatalf("%d algorithms registered, want 9", got)
	}
}

func TestResolverMakesPrefixedNames(t *testing.T) {
	r := newRegistry()
	calls := 0
	if err := r.registerResolver("fam", func(rest string) (Factory, error) {
		calls++
		if rest == "bad" {
			return nil, fmt.Errorf("no member %q", rest)
		}
		return factoryFor("fam:" + rest), nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.registerResolver("fam", func(string) (Factory, error) { return nil, nil }); err == nil {
		t.Error("a second resolver for one prefix was accepted")
	}
	for range 2 {
		alg, err := r.new("fam:one")
		if err != nil || alg.Name() != "fam:one" {
			t.Fatalf("new(fam:one) = %v, %v", alg, err)
		}
	}
	if calls != 1 {
		t.Errorf("the resolver ran %d times for one name, want once", calls)
	}
	for range 2 {
		if _, err := r.new("fam:bad"); err == nil || !strings.Contains(err.Error(), `no member "bad"`) {
			t.Errorf("new(fam:bad) error %v", err)
		}
	}
	if calls != 2 {
		t.Errorf("a failing name was resolved %d times in all, want its error kept", calls)
	}
	if _, err := r.new("other:one"); err == nil || !strings.Contains(err.Error(), "unknown congestion control") {
		t.Errorf("a prefix without a resolver: %v", err)
	}
	if slices.Contains(r.names(), "fam:one") {
		t.Error("Names lists a resolved name; it lists registered algorithms only")
	}
}
