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

// registry maps names to factories, and name prefixes to resolvers.
type registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
	resolvers map[string]Resolver
	resolved  map[string]Factory
	failed    map[string]error
}

// Resolver makes the factory for the algorithm "prefix:rest" of a family
// whose members are not known in advance (kernelcc's "kernel:cubic",
// "kernel:/path/tcp_x.wasm"), given rest. It is called once per name; the
// factory it returns is kept. An error says in one line why the name
// cannot be run (what is missing, what failed to build). The algorithms
// the factory makes must answer Name() with the whole name.
type Resolver func(rest string) (Factory, error)

// algorithms is the process-wide registry the exported functions use.
var algorithms = newRegistry()

func newRegistry() *registry {
	return &registry{factories: make(map[string]Factory), resolvers: make(map[string]Resolver), resolved: make(map[string]Factory), failed: make(map[string]error)}
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

// RegisterResolver makes every name "prefix:rest" available to New
// through r (see Resolver). The prefix follows the rules of a name; it
// must not be taken by another resolver.
func RegisterResolver(prefix string, r Resolver) error { return algorithms.registerResolver(prefix, r) }

// Check reports whether New(name) would make an algorithm: nil for a
// registered name or one a resolver can make, else the error New would
// return.
func Check(name string) error {
	_, err := algorithms.factory(name)
	return err
}

// Resolvable reports whether name has the prefix of a registered
// resolver ("kernel:..."), so that its error, if any, is the resolver's.
func Resolvable(name string) bool {
	prefix, _, ok := strings.Cut(name, ":")
	if !ok {
		return false
	}
	algorithms.mu.RLock()
	_, ok = algorithms.resolvers[prefix]
	algorithms.mu.RUnlock()
	return ok
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

func (r *registry) registerResolver(prefix string, res Resolver) error {
	if err := checkName(prefix); err != nil {
		return err
	}
	if res == nil {
		return fmt.Errorf("cc: resolver %q registered as nil", prefix)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.resolvers[prefix]; taken {
		return fmt.Errorf("cc: resolver %q is already registered", prefix)
	}
	r.resolvers[prefix] = res
	return nil
}

func (r *registry) new(name string) (CongestionControl, error) {
	f, err := r.factory(name)
	if err != nil {
		return nil, err
	}
	return f(), nil
}

// factory finds name's factory: registered, made before by a resolver, or
// made now by one (outside the lock: a resolver may build for a while,
// and may look names up itself). A resolver's error is kept too.
func (r *registry) factory(name string) (Factory, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	if !ok {
		f, ok = r.resolved[name]
	}
	failed := r.failed[name]
	prefix, rest, hasPrefix := strings.Cut(name, ":")
	res := r.resolvers[prefix]
	r.mu.RUnlock()
	if ok {
		return f, nil
	}
	if failed != nil {
		return nil, failed
	}
	if hasPrefix && res != nil {
		f, err := res(rest)
		if err != nil {
			// Kept: a name that failed to build fails the same way for
			// every flow that asks, without building again.
			err = fmt.Errorf("congestion control %q: %w", name, err)
			r.mu.Lock()
			r.failed[name] = err
			r.mu.Unlock()
			return nil, err
		}
		r.mu.Lock()
		if prior, ok := r.resolved[name]; ok {
			f = prior
		} else {
			r.resolved[name] = f
		}
		r.mu.Unlock()
		return f, nil
	}
	known := r.names()
	if len(known) == 0 {
		return nil, fmt.Errorf("unknown congestion control %q; none is registered", name)
	}
	return nil, fmt.Errorf("unknown congestion control %q; registered: %s", name, strings.Join(known, ", "))
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
