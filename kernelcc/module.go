// A compiled module in wazero: compiled to machine code once per process,
// instantiated as often as its connections need slots, and called through
// a flat I/O block that Go and the glue share (glue.c's struct ccb_io).

package kernelcc

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The I/O block's fields, 8 bytes each, in glue.c's struct ccb_io order.
const (
	ioNowNs = iota
	ioMSS
	ioSrttUs
	ioMinRttUs
	ioPacketsOut
	ioDelivered
	ioDeliveredCE
	ioLost
	ioSndUna
	ioSndNxt
	ioAppLimited
	ioDeliveredMstamp
	ioArg
	ioArg2
	ioAckFlags
	ioAckedSacked
	ioPktsAcked
	ioRttUs
	ioDataAcked
	ioPriorInFlight
	ioRsPriorMstamp
	ioRsPriorDelivered
	ioRsDelivered
	ioRsIntervalUs
	ioRsRttUs
	ioRsLosses
	ioRsIsAppLimited
	ioRsPriorInFlightBytes
	ioSndCwnd
	ioSndSsthresh
	ioPacingRate
	ioPacingNeeded
	ioCaState
	ioSeed
	ioVersion
	ioTsval
	ioTsecr
	ioMinTSOSegs
	ioFields
)

// ioVersion is glue.c's CCB_IO_VERSION.
const ioLayoutVersion = 2

// Callback bits ccb_load reports.
const (
	hasCongAvoid   = 2
	hasCongControl = 128
	needsECN       = 2048
)

// The runtime is one per process: wazero's compiler engine turns each
// module into machine code once, and every instance shares it.
var (
	runtimeOnce sync.Once
	wasmRT      wazero.Runtime
	modulesMu   sync.Mutex
	modules     = map[string]*Module{}
)

func wasmRuntime() wazero.Runtime {
	runtimeOnce.Do(func() {
		// NewRuntimeConfig compiles to machine code where wazero can
		// (amd64, arm64) and interprets elsewhere.
		wasmRT = wazero.NewRuntimeWithConfig(context.Background(), wazero.NewRuntimeConfig())
	})
	return wasmRT
}

// Module is one compiled congestion-control module: its code, compiled
// once, and the instances that hold its connections.
//
// Instances are shared: each holds glue.c's CCB_SLOTS (1024) sockets and
// serves the connections given those slots, one call at a time (a mutex
// per instance). An instance per connection would cost a wasm memory (at
// least 64 KiB) and wazero's bookkeeping per flow, over a gigabyte for
// 10 000 flows; a slot costs a few hundred bytes, and 10 000 flows fit in
// ten instances of about 400 KiB. A slot is freed when its connection's
// algorithm is garbage collected.
type Module struct {
	// Name is the algorithm's name as the module registered it ("cubic").
	Name string
	// Path is the .wasm file.
	Path     string
	compiled wazero.CompiledModule
	caps     int32

	mu        sync.Mutex
	instances []*instance
	next      int // where acquire looks first
}

type instance struct {
	mu  sync.Mutex
	mod api.Module
	// io is the I/O block: a view of the instance's memory, not a copy.
	// The glue never grows its memory, so the view stays valid; wasm is
	// little-endian, as every host wazero compiles for (amd64, arm64), so
	// the fields are read and written as native words.
	io    *[ioFields]uint64
	slots uint32
	free  []uint32
	next  uint32

	ack, event, initFn, seedFn api.Function
	stack                      [2]uint64
}

// Load compiles the module at path (a .wasm file kernelcc built) once per
// process and returns it.
func Load(path string) (*Module, error) {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m, ok := modules[path]; ok {
		return m, nil
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	compiled, err := wasmRuntime().CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%s is not a usable wasm module: %v", path, err)
	}
	for _, fn := range []string{"ccb_load", "ccb_io", "ccb_slots", "ccb_init", "ccb_ack", "ccb_event", "ccb_seed", "ccb_name"} {
		if _, ok := compiled.ExportedFunctions()[fn]; !ok {
			return nil, fmt.Errorf("%s was not built by kernelcc (it does not export %s)", path, fn)
		}
	}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		return nil, fmt.Errorf("kernelcc needs a little-endian host")
	}
	m := &Module{Path: path, compiled: compiled}
	inst, caps, err := m.newInstance()
	if err != nil {
		return nil, err
	}
	// Set once, before the module is published: ControlsRecovery and
	// NeedsECN read it without a lock from every connection's goroutine.
	m.caps = caps
	m.instances = append(m.instances, inst)
	modules[path] = m
	return m, nil
}

// newInstance instantiates the module and runs its module_init; it
// returns what the module's registration said it has (caps).
func (m *Module) newInstance() (*instance, int32, error) {
	ctx := context.Background()
	mod, err := wasmRuntime().InstantiateModule(ctx, m.compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, 0, fmt.Errorf("instantiating %s: %v", m.Path, err)
	}
	res, err := mod.ExportedFunction("ccb_load").Call(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: module_init trapped: %v", m.Path, err)
	}
	caps := int32(uint32(res[0]))
	switch {
	case caps == -3:
		return nil, 0, fmt.Errorf("%s: the module registered an incomplete algorithm (no ssthresh, undo_cwnd, or cong_avoid/cong_control)", m.Path)
	case caps == -2:
		return nil, 0, fmt.Errorf("%s: the module's init registered no algorithm", m.Path)
	case caps < 0:
		return nil, 0, fmt.Errorf("%s: the module's init failed with error %d", m.Path, caps)
	}
	if m.Name == "" {
		m.Name = readCString(mod, "ccb_name")
	}
	addr, err := mod.ExportedFunction("ccb_io").Call(ctx)
	if err != nil {
		return nil, 0, err
	}
	block, ok := mod.Memory().Read(uint32(addr[0]), ioFields*8)
	if !ok || addr[0]%8 != 0 {
		return nil, 0, fmt.Errorf("%s: the I/O block is outside memory or misaligned", m.Path)
	}
	if v := binary.LittleEndian.Uint64(block[ioVersion*8:]); v != ioLayoutVersion {
		return nil, 0, fmt.Errorf("%s was built with another shim (I/O layout %d, want %d): rebuild it", m.Path, v, ioLayoutVersion)
	}
	n, err := mod.ExportedFunction("ccb_slots").Call(ctx)
	if err != nil {
		return nil, 0, err
	}
	return &instance{
		mod: mod, io: (*[ioFields]uint64)(unsafe.Pointer(unsafe.SliceData(block))), slots: uint32(n[0]),
		ack: mod.ExportedFunction("ccb_ack"), event: mod.ExportedFunction("ccb_event"), initFn: mod.ExportedFunction("ccb_init"),
		seedFn: mod.ExportedFunction("ccb_seed"),
	}, caps, nil
}

func readCString(mod api.Module, fn string) string {
	res, err := mod.ExportedFunction(fn).Call(context.Background())
	if err != nil {
		return ""
	}
	b, ok := mod.Memory().Read(uint32(res[0]), 16)
	if !ok {
		return ""
	}
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ControlsRecovery reports whether the module has cong_control.
func (m *Module) ControlsRecovery() bool { return m.caps&hasCongControl != 0 }

// NeedsECN reports whether the module asks for ECN (TCP_CONG_NEEDS_ECN).
func (m *Module) NeedsECN() bool { return m.caps&needsECN != 0 }

// acquire gives out a free slot. Connections are dealt round-robin over
// as many instances as Go runs threads (GOMAXPROCS), so that the points
// of a sweep running in parallel seldom wait on one instance's lock; past
// that, an instance is added only when every one is full.
func (m *Module) acquire() (*instance, uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.instances) >= goruntime.GOMAXPROCS(0) {
		for i := range m.instances {
			in := m.instances[(m.next+i)%len(m.instances)]
			if s, ok := in.take(); ok {
				m.next = (m.next + i + 1) % len(m.instances)
				return in, s, nil
			}
		}
	}
	in, caps, err := m.newInstance()
	if err != nil {
		return nil, 0, err
	}
	if caps != m.caps {
		return nil, 0, fmt.Errorf("%s: a new instance registered other capabilities (%d, first %d)", m.Path, caps, m.caps)
	}
	m.instances = append(m.instances, in)
	s, _ := in.take()
	return in, s, nil
}

func (in *instance) take() (uint32, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if n := len(in.free); n > 0 {
		s := in.free[n-1]
		in.free = in.free[:n-1]
		return s, true
	}
	if in.next < in.slots {
		in.next++
		return in.next - 1, true
	}
	return 0, false
}

func (in *instance) release(slot uint32) {
	in.mu.Lock()
	in.free = append(in.free, slot)
	in.mu.Unlock()
}

func (in *instance) set(field int, v uint64) { in.io[field] = v }

func (in *instance) get(field int) uint64 { return in.io[field] }

// call1 and call2 run an entry point with one or two arguments on a
// reused stack (no allocation), the caller holding in.mu. A trap is a bug
// in the module or the shim: it panics, releasing in.mu first so that the
// instance's other connections can go on (Exercise recovers the panic to
// refuse such a module).
func (in *instance) call1(fn api.Function, a uint64) uint64 {
	in.stack[0] = a
	if err := fn.CallWithStack(context.Background(), in.stack[:1]); err != nil {
		in.mu.Unlock()
		panic("kernelcc: the module trapped: " + trapLine(err))
	}
	return in.stack[0]
}

func (in *instance) call2(fn api.Function, a, b uint64) {
	in.stack[0], in.stack[1] = a, b
	if err := fn.CallWithStack(context.Background(), in.stack[:2]); err != nil {
		in.mu.Unlock()
		panic("kernelcc: the module trapped: " + trapLine(err))
	}
}

// trapLine is the first line of a trap (wazero adds the wasm stack below).
func trapLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
