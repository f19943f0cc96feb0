// Package wire is the packet codec: the one place in ccbench that knows the
// byte layout of what travels on an emulated link.
//
// It owns:
//
//   - typed views of the IPv4 (RFC 791), TCP (RFC 9293) and UDP (RFC 768)
//     headers, read and written in place over packet bytes;
//   - TCP options (MSS, window scale, SACK-permitted, SACK, timestamps,
//     Fast Open): parsing, the option walk, and encoding in Linux's layout;
//   - the Internet checksum (RFC 1071) as a running sum that can be added to,
//     combined and folded, the IPv4 pseudo-header sum of TCP and UDP, and
//     the incremental update of RFC 1624 for rewriting a header word such as
//     the TOS byte that carries ECN;
//   - sequence-number arithmetic modulo 2^32 (Seq);
//   - Segment, the fields of a TCP segment and its IPv4 header that an
//     endpoint reads and writes, with EncodeSegment and DecodeSegment
//     between it and a datagram, and DropReason for a datagram that is not
//     an acceptable TCP segment.
//
// Nothing else in the tree writes header bytes or computes a checksum: the
// TCP stack encodes and decodes its segments here, the links' ECN marker
// rewrites the TOS byte and checksum through IPv4Header.UpdateTOS, the queue
// disciplines and the relay read addresses and ports through the views, and
// the runner builds its UDP cross traffic with them.
//
// Everything here runs once or more per packet, so nothing allocates: the
// views are slices, Segment and Options are plain values, and every
// function works in the caller's memory.
package wire
