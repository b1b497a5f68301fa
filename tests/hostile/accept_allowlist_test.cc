// ingest_allow_from against the real kpihubd on loopback: a daemon that accepts connections
// from 127.0.0.2 only closes one from 127.0.0.1 at accept, before any CURVE work (the
// client never completes a handshake, the daemon counts no refused handshake), while an
// adapter connecting from 127.0.0.2 is served. Malformed entries stop the daemon at start
// (exit 1) with the key and the reason.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zmq.h>

#include <chrono>
#include <cstring>
#include <fstream>

#include "kpihub/client/connection.h"
#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {
namespace {

using Clock = std::chrono::steady_clock;

// kpihubd.toml with `line` appended.
void AppendConfig(const DaemonHarness& daemon, const std::string& line) {
  std::ofstream(daemon.config_path(), std::ios::app) << line << "\n";
}

// The same endpoint, connected from `source` ("tcp://SRC:0;DST:PORT", libzmq's syntax).
std::string From(const std::string& source, const std::string& endpoint) {
  return "tcp://" + source + ":0;" + endpoint.substr(std::string("tcp://").size());
}

// Events a CURVE DEALER's monitor saw, until `disconnects` disconnections or a deadline.
struct ClientEvents {
  int disconnected = 0;
  int handshake_succeeded = 0;
};

ClientEvents WatchClient(const std::string& endpoint, const std::string& server_public,
                         const wire::CurveKeyPair& keys, int disconnects) {
  zmq::context_t context(1);
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::curve_serverkey, server_public);
  dealer.set(zmq::sockopt::curve_publickey, keys.public_z85);
  dealer.set(zmq::sockopt::curve_secretkey, keys.secret_z85);
  EXPECT_EQ(zmq_socket_monitor(dealer.handle(), "inproc://client-events", ZMQ_EVENT_ALL), 0);
  zmq::socket_t events(context, zmq::socket_type::pair);
  events.set(zmq::sockopt::linger, 0);
  events.set(zmq::sockopt::rcvtimeo, 1000);
  events.connect("inproc://client-events");
  dealer.connect(endpoint);
  ClientEvents seen;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (seen.disconnected < disconnects && Clock::now() < deadline) {
    zmq::message_t header, address;
    if (!events.recv(header)) continue;
    (void)events.recv(address);
    uint16_t event = 0;
    std::memcpy(&event, header.data(), sizeof event);
    if (event == ZMQ_EVENT_DISCONNECTED) ++seen.disconnected;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      ++seen.handshake_succeeded;
      break;  // admitted: the daemon will not close it
    }
  }
  (void)zmq_socket_monitor(dealer.handle(), nullptr, 0);
  return seen;
}

TEST(AcceptAllowlistTest, AConnectionFromOutsideTheListIsClosedBeforeItsHandshake) {
  DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
  AppendConfig(daemon, "ingest_allow_from = [\"127.0.0.2\", \"10.12.0.0/16\"]");
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_TRUE(WaitForLog(daemon, "ingest accepts connections only from 127.0.0.2, 10.12.0.0/16"))
      << daemon.ReadLog();

  // From 127.0.0.1, with a registered key: closed three times over, never a handshake.
  const TestAdapter& finance = daemon.adapter("finance-1");
  ClientEvents outside = WatchClient(daemon.endpoint(), daemon.server_public(), finance.keys, 3);
  EXPECT_EQ(outside.disconnected, 3);
  EXPECT_EQ(outside.handshake_succeeded, 0);

  // From 127.0.0.2: served.
  zmq::context_t context(1);
  client::Connection inside(context, {From("127.0.0.2", daemon.endpoint()), daemon.server_public(),
                                      finance.keys});
  auto ack = inside.SendBatch(1, {{"gdp", "core", "", "2019Q1", 1.0, ""}}, 0, 60000);
  ASSERT_TRUE(ack.has_value()) << daemon.ReadLog();
  EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);

  // Nothing of the refused connections reached the CURVE handshake (the client itself reports
  // a handshake failed without detail: its connection closed before any answer).
  auto metrics = ScrapeMetrics(daemon.metrics_port());
  for (const char* reason : {"cryptographic", "no_detail", "protocol", "mechanism_mismatch"}) {
    EXPECT_EQ(MetricOr(metrics, SeriesKey("kpihub_ingest_handshake_failures_total",
                                          {{"reason", reason}}), 0), 0)
        << reason;
  }
  // They are counted as refused at accept.
  EXPECT_GE(MetricOr(metrics, SeriesKey("kpihub_ingest_connections_refused_total",
                                        {{"reason", "at_accept"}}), 0), 3);
}

TEST(AcceptAllowlistTest, WithoutTheListEveryAddressIsServed) {
  DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  ClientEvents client = WatchClient(daemon.endpoint(), daemon.server_public(),
                                    daemon.adapter("finance-1").keys, 1);
  EXPECT_EQ(client.handshake_succeeded, 1);
}

struct Malformed {
  std::string value;
  std::string reason;
};

TEST(AcceptAllowlistTest, AMalformedEntryStopsTheDaemonWithTheKeyAndTheReason) {
  const std::vector<Malformed> cases = {
      {"[\"10.12.0.0/33\"]", "entry \"10.12.0.0/33\": the prefix length after '/' must be 0 to 32"},
      {"[\"10.12.0.0/\"]", "entry \"10.12.0.0/\": the prefix length"},
      {"[\"::1\"]", "entry \"::1\": an IPv6 address; the ingest socket listens on IPv4 only"},
      {"[\"gateway.example\"]", "entry \"gateway.example\": not an IPv4 address"},
      {"[\"10.12.0.0/16 \"]", "entry \"10.12.0.0/16 \": the prefix length"},
      {"[16]", "'ingest_allow_from' entries must be strings"},
      {"\"10.12.0.0/16\"", "'ingest_allow_from' must be a list of strings"},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.value);
    DaemonHarness daemon({{"finance-1", "finance"}, {"tax-1", "tax"}});
    AppendConfig(daemon, "ingest_allow_from = " + c.value);
    EXPECT_FALSE(daemon.Start());
    const int status = daemon.last_wait_status();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
    const std::string log = daemon.ReadLog();
    EXPECT_NE(log.find("ingest_allow_from"), std::string::npos) << log;
    EXPECT_NE(log.find(c.reason), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace kpihub::testing
