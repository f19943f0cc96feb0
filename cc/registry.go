// The registry of congestion-control algorithms by name, in the manner of
// Linux's tcp_register_congestion_control: each algorithm file registers a
// factory in init(), experiment files and the command line name an
// algorithm, and every connection gets a fresh instance from New.
//
// Registration checks what Linux checks when a module loads: the name is
// well formed and not taken, and the algorithm is complete, which in Go
// means the factory exists and makes an algorithm that answers to the name
// it was registered under. Lookups come from worker goroutines running
// experiments in parallel, so the table is guarded by a lock.

package cc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Factory makes a new, uninitialized instance of an algorithm; the caller
// calls Init before use.
type Factory func() CongestionControl

// registry maps names to factories.
type registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// algorithms is the process-wide registry the exported functions use.
var algorithms = newRegistry()

func newRegistry() *registry {
	return &registry{factories: make(map[string]Factory)}
}

// Register makes an algorithm available to New under name. The name must be
// non-empty and use only lower-case letters, digits, '_' and '-' (it appears
// in experiment files, file names and plot legends); it must not be taken;
// f must not be nil and must make an algorithm whose Name() is name.
func Register(name string, f Factory) error { return algorithms.register(name, f) }

// MustRegister is Register for init functions: a bad registration is a
// programming error, found the first time the binary starts.
func MustRegister(name string, f Factory) {
	if err := Register(name, f); err != nil {
		panic(err)
	}
}

// New makes a fresh instance of the algorithm registered under name; the
// caller calls Init before use. An unknown name is an error that lists the
// registered names.
func New(name string) (CongestionControl, error) { return algorithms.new(name) }

// Names lists the registered algorithms in sorted order.
func Names() []string { return algorithms.names() }

func (r *registry) register(name string, f Factory) error {
	if err := checkName(name); err != nil {
		return err
	}
	if f == nil {
		return fmt.Errorf("cc: algorithm %q registered with a nil factory", name)
	}
	// The factory is called outside the lock: it is the algorithm's code,
	// and holding the lock while it runs would deadlock one that looks
	// itself up.
	alg := f()
	if alg == nil {
		return fmt.Errorf("cc: the factory for %q made no algorithm (nil)", name)
	}
	if got := alg.Name(); got != name {
		return fmt.Errorf("cc: the factory registered as %q makes an algorithm named %q", name, got)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.factories[name]; taken {
		return fmt.Errorf("cc: algorithm %q is already registered", name)
	}
	r.factories[name] = f
	return nil
}

// checkName accepts non-empty names of lower-case letters, digits, '_' and
// '-'.
func checkName(name string) error {
	if name == "" {
		return errors.New("cc: an algorithm name must not be empty")
	}
	for _, c := range []byte(name) {
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '_' || c == '-' {
			continue
		}
		return fmt.Errorf("cc: algorithm name %q may use only lower-case letters, digits, '_' and '-'", name)
	}
	return nil
}

func (r *registry) new(name string) (CongestionControl, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		known := r.names()
		if len(known) == 0 {
			return nil, fmt.Errorf("unknown congestion control %q; none is registered", name)
		}
		return nil, fmt.Errorf("unknown congestion control %q; registered: %s", name, strings.Join(known, ", "))
	}
	return f(), nil
}

func (r *registry) names() []string {
	r.mu.RLock()
	names := make([]string, 0, len(r.factories))
	for name := range r.factories {
		names = append(names, name)
	}
	r.mu.RUnlock()
	slices.Sort(names)
	return names
}
