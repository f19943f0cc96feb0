// Package tun is the real-time driver: packets cross real Linux TUN devices
// between two network namespaces that it creates, and the netem relay sits
// between the devices, as Mahimahi's shells do.
//
// The pipeline, for one direction (A to B; B to A is the mirror image):
//
//  1. A process in namespace A (the kernel's TCP, or ccbench's stack) sends
//     an IPv4 datagram to B's address. The only route to it is A's TUN
//     device, so the kernel hands the datagram to the TUN file descriptor.
//  2. The relay, in the root namespace on one locked OS thread, reads the
//     datagram from A's descriptor into a pooled packet.Packet and enqueues
//     it on the forward netem.Link at the current time.
//  3. When the link says the packet has arrived (its Due), the relay writes
//     it to B's descriptor, and the kernel in B delivers it to the socket.
//     The difference between the write and Due is the release timing error,
//     recorded for every packet and reported with every run.
//
// Each side's end is the kernel behind the side's device, ccbench's stack
// in place of the device (stackport.go), or both at once, the stack at an
// address of its own in the pair's prefix (mixport.go, relay_endpoints.go),
// so kernel flows and stack flows, sent and received by either, share one
// bottleneck. While the relay runs, it publishes the links' statistics for
// the run's sampler without taking a lock (relay_live.go).
//
// Go's timers cannot release packets within tens of microseconds of their
// deadlines (their floor is about a millisecond under load), so the relay
// owns its thread: it blocks in ppoll on both descriptors with a
// nanosecond timeout while the next deadline is far, and spins when it is
// near (relay.go).
//
// Every namespace is named "ccb-<pid>-<n>-a" or "-b", so Cleanup can tell
// the leftovers of a killed run (whose pid is gone) from those of a live one.
//
// Everything here needs root and /dev/net/tun; Available says whether this
// process has them, in a sentence the CLI can print.
//
// These are the driver's parts; its run of an experiment's scenario over
// them, the flows, their sampling and results, is package tun/tunrun's.
package tun
