// dumbbell.cc: ccbench's bottleneck scenario written for ns-3, so that the
// two simulators can be timed on the same work (tools/ns3/README.md).
//
// The network is ccbench's dumbbell reduced to what carries packets: a
// sender node and a receiver node joined by one point-to-point channel.
//
//   sender ──► bottleneck: --rate, --delay one way, drop-tail of --buffer packets ──► receiver
//          ◄── reverse:    100 Gbit/s (no queue builds), the same delay          ◄──
//
// --flows bulk TCP flows (BulkSend, unlimited) share the bottleneck; each
// has its own PacketSink. The TCP settings follow ccbench's experiments/
// bottleneck.toml with its linux profile as far as ns-3 has them:
//
//   - MSS 1460 with timestamps, as Linux: ns-3's SegmentSize is the payload
//     per segment, so it is the MSS less the 12 bytes of the timestamp
//     option, and a full segment is a 1500-byte IP packet as in ccbench;
//   - SACK, window scaling, timestamps on; minimum RTO 200 ms;
//   - delayed ACKs of 40 ms, an ACK for every second segment;
//   - an initial window of 10 segments; 4 MiB send and receive buffers;
//   - reno is ns-3's TcpNewReno, cubic its TcpCubic (HyStart on), bbr its
//     TcpBbr (v1) with pacing, which it needs; loss-based flows are not
//     paced, as in ccbench by default; loss recovery is ns-3's default
//     (SACK-based with proportional rate reduction).
//
// Only one queue limits: the traffic-control layer's root queue disc
// (fq_codel by default) is removed from both devices, so packets go
// straight into the bottleneck device's drop-tail queue of --buffer
// packets. ccbench's buffer is in bytes; 1 BDP at 100 Mbit/s and 40 ms is
// 500 000 bytes, which holds 333 packets of 1500 bytes.
//
// ns-3's point-to-point device adds a 2-byte PPP header to every packet and
// serializes it at the device's rate; ccbench's link serializes the IP
// packet alone. The bottleneck's rate is raised by 1502/1500 so that a
// 1500-byte IP packet takes the same time on both.
//
// At the end it prints one `key=value` per line: the goodput (bytes the
// sinks received over the duration), the segments each side sent into the
// link, those the bottleneck transmitted and dropped, the most packets its
// queue held (the --buffer, when only that queue limits), the events the
// simulator executed and the wall time of the simulation alone. ccbench's summary.json has the same quantities, so
// a user can check that both simulated comparable work.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"
#include "ns3/version-defines.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

// What the traces count over the run.
struct Counters
{
    uint64_t senderSegments = 0;   // IP packets the sender handed to its device
    uint64_t receiverSegments = 0; // IP packets (ACKs) the receiver handed to its device
    uint64_t bottleneckTx = 0;     // packets the bottleneck finished serializing
    uint64_t bottleneckDrops = 0;  // packets the full drop-tail queue refused
    uint64_t tcDrops = 0;          // packets the traffic-control layer dropped (expected 0)
    uint32_t queueMaxPackets = 0;  // the most packets the bottleneck's queue held
};

Counters counters;

void
CountSenderSegment(Ptr<const Packet>, Ptr<Ipv4>, uint32_t)
{
    counters.senderSegments++;
}

void
CountReceiverSegment(Ptr<const Packet>, Ptr<Ipv4>, uint32_t)
{
    counters.receiverSegments++;
}

void
CountBottleneckTx(Ptr<const Packet>)
{
    counters.bottleneckTx++;
}

void
CountBottleneckDrop(Ptr<const Packet>)
{
    counters.bottleneckDrops++;
}

void
TrackQueue(uint32_t, uint32_t packets)
{
    counters.queueMaxPackets = std::max(counters.queueMaxPackets, packets);
}

void
CountTcDrop(Ptr<const Packet>)
{
    counters.tcDrops++;
}

// tcpTypeFor maps ccbench's algorithm names to ns-3's TypeIds; it returns
// false for a name this program does not know.
bool
tcpTypeFor(const std::string& cc, TypeId& out)
{
    if (cc == "reno" || cc == "newreno")
    {
        out = TypeId::LookupByName("ns3::TcpNewReno");
        return true;
    }
    if (cc == "linuxreno")
    {
        out = TypeId::LookupByName("ns3::TcpLinuxReno");
        return true;
    }
    if (cc == "cubic")
    {
        out = TypeId::LookupByName("ns3::TcpCubic");
        return true;
    }
    if (cc == "bbr")
    {
        return TypeId::LookupByNameFailSafe("ns3::TcpBbr", &out);
    }
    return false;
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string rate = "100Mbps";
    std::string delay = "20ms";
    uint32_t bufferPackets = 333;
    uint32_t flows = 1;
    std::string cc = "reno";
    double durationSeconds = 30;
    uint32_t mss = 1460;
    uint32_t seed = 1;
    bool pacing = false;

    // The fixed TCP settings are defaults set before parsing, so that any
    // of them, or any other ns-3 attribute, can be changed from the command
    // line for an experiment (--ns3::TcpSocketBase::MinRto=1s).
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(40)));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(4 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(4 << 20));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));

    CommandLine cmd(__FILE__);
    cmd.AddValue("rate", "bottleneck rate (ns-3 DataRate: 100Mbps, 1Gbps)", rate);
    cmd.AddValue("delay", "one-way propagation delay, each direction (20ms)", delay);
    cmd.AddValue("buffer", "bottleneck drop-tail queue, in packets", bufferPackets);
    cmd.AddValue("flows", "number of bulk TCP flows", flows);
    cmd.AddValue("cc", "reno (TcpNewReno), linuxreno, cubic or bbr", cc);
    cmd.AddValue("duration", "simulated seconds", durationSeconds);
    cmd.AddValue("mss", "TCP MSS in bytes; segments carry MSS - 12 (timestamps)", mss);
    cmd.AddValue("seed", "ns-3 random seed", seed);
    cmd.AddValue("pacing", "pace every flow (bbr is always paced)", pacing);
    cmd.Parse(argc, argv);

    TypeId tcpType;
    if (!tcpTypeFor(cc, tcpType))
    {
        std::cerr << "dumbbell: --cc=" << cc
                  << " is not available in this ns-3 (reno, linuxreno, cubic, bbr)" << std::endl;
        return 2;
    }
    if (flows == 0 || bufferPackets == 0 || durationSeconds <= 0 || mss <= 12)
    {
        std::cerr << "dumbbell: --flows, --buffer, --duration must be positive and --mss above 12"
                  << std::endl;
        return 2;
    }
    const bool paced = pacing || cc == "bbr";
    const uint32_t segmentSize = mss - 12;
    const uint32_t ipMtu = 1500;
    const uint32_t pppHeader = 2;

    RngSeedManager::SetSeed(seed);
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(tcpType));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(segmentSize));
    Config::SetDefault("ns3::TcpSocketState::EnablePacing", BooleanValue(paced));

    NodeContainer nodes;
    nodes.Create(2);
    Ptr<Node> sender = nodes.Get(0);
    Ptr<Node> receiver = nodes.Get(1);

    PointToPointHelper link;
    link.SetChannelAttribute("Delay", StringValue(delay));
    link.SetDeviceAttribute("Mtu", UintegerValue(ipMtu));
    NetDeviceContainer devices = link.Install(sender, receiver);
    Ptr<PointToPointNetDevice> bottleneck = DynamicCast<PointToPointNetDevice>(devices.Get(0));
    Ptr<PointToPointNetDevice> reverse = DynamicCast<PointToPointNetDevice>(devices.Get(1));

    const uint64_t rateBps = DataRate(rate).GetBitRate();
    const uint64_t deviceRateBps = rateBps * (ipMtu + pppHeader) / ipMtu;
    bottleneck->SetAttribute("DataRate", DataRateValue(DataRate(deviceRateBps)));
    reverse->SetAttribute("DataRate", DataRateValue(DataRate("100Gbps")));
    bottleneck->GetQueue()->SetMaxSize(QueueSize(QueueSizeUnit::PACKETS, bufferPackets));
    // The reverse path carries only ACKs at 100 Gbit/s; a long queue there
    // can never be what limits.
    reverse->GetQueue()->SetMaxSize(QueueSize(QueueSizeUnit::PACKETS, 100000));

    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
    // Assign installed the default root queue disc; take it away so the
    // device's drop-tail queue is the only one.
    TrafficControlHelper tc;
    tc.Uninstall(devices);

    const Time duration = Seconds(durationSeconds);
    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < flows; i++)
    {
        const uint16_t port = 5000 + i;
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        ApplicationContainer sinkApp = sinkHelper.Install(receiver);
        sinkApp.Start(Seconds(0));
        sinkApp.Stop(duration);
        sinks.push_back(DynamicCast<PacketSink>(sinkApp.Get(0)));

        BulkSendHelper bulk("ns3::TcpSocketFactory",
                            InetSocketAddress(interfaces.GetAddress(1), port));
        bulk.SetAttribute("MaxBytes", UintegerValue(0));
        // Ten segments per write: with 64 KiB writes ns-3 3.37's BBR spent
        // over thirty times the CPU on the same packets (half of it in the
        // kernel); with one segment per write NewReno took some 7% longer.
        // The simulated traffic is the same for all three sizes.
        bulk.SetAttribute("SendSize", UintegerValue(10 * segmentSize));
        ApplicationContainer bulkApp = bulk.Install(sender);
        bulkApp.Start(Seconds(0));
        bulkApp.Stop(duration);
    }

    sender->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
        "Tx", MakeCallback(&CountSenderSegment));
    receiver->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
        "Tx", MakeCallback(&CountReceiverSegment));
    bottleneck->TraceConnectWithoutContext("PhyTxEnd", MakeCallback(&CountBottleneckTx));
    bottleneck->TraceConnectWithoutContext("MacTxDrop", MakeCallback(&CountBottleneckDrop));
    bottleneck->GetQueue()->TraceConnectWithoutContext("PacketsInQueue",
                                                       MakeCallback(&TrackQueue));
    sender->GetObject<TrafficControlLayer>()->TraceConnectWithoutContext(
        "TcDrop", MakeCallback(&CountTcDrop));

    const auto wallStart = std::chrono::steady_clock::now();
    Simulator::Stop(duration);
    Simulator::Run();
    const double wallSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();

    const uint64_t events = Simulator::GetEventCount();
    uint64_t received = 0;
    uint64_t minFlow = UINT64_MAX;
    uint64_t maxFlow = 0;
    for (const auto& sink : sinks)
    {
        const uint64_t rx = sink->GetTotalRx();
        received += rx;
        minFlow = std::min(minFlow, rx);
        maxFlow = std::max(maxFlow, rx);
    }
    Simulator::Destroy();

    std::cout << std::setprecision(10);
    std::cout << "ns3_version=" << NS3_VERSION_MAJOR << "." << NS3_VERSION_MINOR << " (" << NS3_VERSION_BUILD_PROFILE << ")\n";
    std::cout << "cc=" << cc << " (" << tcpType.GetName() << ")\n";
    std::cout << "rate_bps=" << rateBps << "\n";
    std::cout << "delay=" << delay << "\n";
    std::cout << "buffer_packets=" << bufferPackets << "\n";
    std::cout << "flows=" << flows << "\n";
    std::cout << "duration_s=" << durationSeconds << "\n";
    std::cout << "segment_payload_bytes=" << segmentSize << "\n";
    std::cout << "bytes_received=" << received << "\n";
    std::cout << "goodput_bps=" << double(received) * 8 / durationSeconds << "\n";
    std::cout << "flow_goodput_min_bps=" << double(minFlow) * 8 / durationSeconds << "\n";
    std::cout << "flow_goodput_max_bps=" << double(maxFlow) * 8 / durationSeconds << "\n";
    std::cout << "sender_segments=" << counters.senderSegments << "\n";
    std::cout << "receiver_segments=" << counters.receiverSegments << "\n";
    std::cout << "segments=" << counters.senderSegments + counters.receiverSegments << "\n";
    std::cout << "bottleneck_tx_packets=" << counters.bottleneckTx << "\n";
    std::cout << "bottleneck_drops=" << counters.bottleneckDrops + counters.tcDrops << "\n";
    std::cout << "bottleneck_queue_max_packets=" << counters.queueMaxPackets << "\n";
    std::cout << "events=" << events << "\n";
    std::cout << "sim_wall_s=" << wallSeconds << "\n";
    return 0;
}
