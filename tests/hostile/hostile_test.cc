// Hostile input, end to end: a table of bad batches, each sent as raw frames over a real CURVE
// DEALER (a registered key) to the real kpihubd. Every case must get its documented answer
// (docs/protocol.md: ack status, frame reason or per-observation reasons), move its counter on
// /metrics by exactly the expected amount, and leave the daemon serving: a good batch sent
// right after it is accepted and its figure is visible on /metrics. One daemon serves the
// whole table, so the cases also run against the state the earlier ones left.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <random>

#include "kpihub/testing/daemon_harness.h"
#include "hostile_frames.h"
#include "kpihub/testing/protocol_suite.h"
#include "kpihub/testing/raw_dealer.h"

namespace kpihub::testing {
namespace {

const std::string kDept = "finance";
const std::string kAdapter = "finance-1";

// What the protocol says the daemon answers to each frame of a case.
struct Expected {
  AckStatus status = AckStatus::kAccepted;
  RejectReason frame_reason = RejectReason::kUndecodable;  // for kMalformed
  uint32_t rejected = 0;                                   // for kAccepted: how many refused
  RejectReason reason = RejectReason::kUndecodable;        // ... and why, all of them
};

struct Case {
  std::string name;
  // The frames (each a list of parts) for a case whose first frame uses `sequence`.
  std::function<std::vector<std::vector<std::string>>(uint64_t sequence)> frames;
  Expected expected;
};

std::vector<std::vector<std::string>> One(std::string frame) { return {{std::move(frame)}}; }

Observation Gdp(const std::string& period, double value, const std::string& park = "core") {
  return {"gdp", park, "", period, value, ""};
}

std::string Batch(uint64_t sequence, std::vector<Observation> observations) {
  return wire::EncodeBatch(sequence, 0, observations);
}

// A batch of `values.size()` gdp figures, each with a value of its own.
std::string GdpValues(uint64_t sequence, const std::vector<double>& values) {
  std::vector<Observation> obs;
  for (double v : values) obs.push_back(Gdp("2019Q4", v));
  return Batch(sequence, obs);
}

// A batch of gdp figures for each of `periods`.
std::string GdpPeriods(uint64_t sequence, const std::vector<std::string>& periods) {
  std::vector<Observation> obs;
  for (const auto& p : periods) obs.push_back(Gdp(p, 1));
  return Batch(sequence, obs);
}

double Bits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string RandomBytes(std::mt19937_64& random, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

Expected Malformed(RejectReason reason) { return {AckStatus::kMalformed, reason, 0, {}}; }
Expected Refused(uint32_t n, RejectReason reason) { return {AckStatus::kAccepted, {}, n, reason}; }

// Frames the decoder must refuse whole, and sequence numbers out of the protocol.
std::vector<Case> FrameCases() {
  return {
      {"empty frame", [](uint64_t) { return One(""); }, Malformed(RejectReason::kUndecodable)},
      {"truncated to the segment table",
       [](uint64_t s) { return One(Truncated(Batch(s, {Gdp("2020Q1", 1)}), 8)); },
       Malformed(RejectReason::kUndecodable)},
      {"truncated mid-message",
       [](uint64_t s) {
         std::string f = Batch(s, {Gdp("2020Q1", 1), Gdp("2020Q2", 2)});
         return One(Truncated(f, f.size() / 16 * 8));
       },
       Malformed(RejectReason::kUndecodable)},
      {"unaligned (not whole words)",
       [](uint64_t s) { return One(Batch(s, {Gdp("2020Q1", 1)}) + "abc"); },
       Malformed(RejectReason::kUndecodable)},
      {"random bytes",
       [](uint64_t) {
         std::mt19937_64 random(1128);
         std::vector<std::vector<std::string>> frames;
         for (size_t size : {8, 16, 64, 1024, 65536}) frames.push_back({RandomBytes(random, size)});
         return frames;
       },
       Malformed(RejectReason::kUndecodable)},
      {"two parts", [](uint64_t s) {
         return std::vector<std::vector<std::string>>{{Batch(s, {}), Batch(s, {})}};
       }, Malformed(RejectReason::kUndecodable)},
      {"oversized frame (8 MiB + 8)",
       [](uint64_t) { return One(std::string((8u << 20) + 8, '\0')); },
       Malformed(RejectReason::kFrameTooLarge)},
      {"too many segments (600)", [](uint64_t) { return One(TooManySegments(600)); },
       Malformed(RejectReason::kUndecodable)},
      {"struct pointer where the list is", [](uint64_t s) { return One(WrongPointerKind(s)); },
       Malformed(RejectReason::kUndecodable)},
      {"traversal: 40 notes sharing one 1 MiB blob",
       [](uint64_t s) { return One(SharedBlob(s, 40, 1 << 20)); },
       Malformed(RejectReason::kUndecodable)},
      {"too many observations (100,001 of zero size)",
       [](uint64_t s) { return One(ZeroSizedObservations(s, 100001)); },
       Malformed(RejectReason::kTooManyObservations)},
      {"text without NUL", [](uint64_t s) { return One(TextWithoutNul(s)); },
       Malformed(RejectReason::kUndecodable)},
      {"sequence 0", [](uint64_t) { return One(Batch(0, {Gdp("2020Q1", 1)})); },
       Malformed(RejectReason::kBadSequence)},
      {"sequence 2^64-1",
       [](uint64_t) { return One(Batch(std::numeric_limits<uint64_t>::max(), {Gdp("2020Q1", 1)})); },
       {AckStatus::kOutOfOrder, {}, 0, {}}},
  };
}

// Frames that decode, with observations the validator must refuse one by one.
std::vector<Case> ObservationCases() {
  const std::string one_mib(1 << 20, 'x');
  const int next_year = [] {
    std::time_t now = std::time(nullptr) + 8 * 3600;  // China Standard Time
    std::tm tm{};
    gmtime_r(&now, &tm);
    return tm.tm_year + 1900 + 1;
  }();
  return {
      {"nesting: 64 structs deep in an unknown field (ignored)",
       [](uint64_t s) { return One(DeepUnknownField(s, 64, "gdp", "core", "2019Q3", 5)); },
       Refused(0, {})},
      {"embedded NUL in a code",
       [](uint64_t s) { return One(Batch(s, {Gdp("2019Q4", 1, std::string("core\0x", 6))})); },
       Refused(1, RejectReason::kUnknownPark)},
      {"invalid UTF-8 in codes",
       [](uint64_t s) {
         return One(Batch(s, {{"gd\xff", "core", "", "2019Q4", 1, ""},
                              {"\xc3\x28", "core", "", "2019Q4", 1, ""}}));
       },
       Refused(2, RejectReason::kUnknownIndicator)},
      {"invalid UTF-8 in the period",
       [](uint64_t s) { return One(GdpPeriods(s, {"2019Q\xff", "\xed\xa0\x80", "2019\xc0\xb1"})); },
       Refused(3, RejectReason::kMalformedPeriod)},
      {"1 MiB note", [one_mib](uint64_t s) {
         return One(Batch(s, {{"gdp", "core", "", "2019Q4", 1, one_mib}}));
       }, Refused(1, RejectReason::kNoteTooLong)},
      {"1 MiB codes, period and entity", [one_mib](uint64_t s) {
         return One(Batch(s, {{one_mib, "core", "", "2019Q4", 1, ""},
                              {"gdp", one_mib, "", "2019Q4", 1, ""},
                              {"gdp", "core", one_mib, "2019Q4", 1, ""},
                              {"gdp", "core", "", one_mib, 1, ""}}));
       }, Refused(4, RejectReason::kFieldTooLong)},
      {"NaN, signalling NaN, negative NaN, +Inf, -Inf",
       [](uint64_t s) {
         return One(GdpValues(s, {std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::signaling_NaN(),
                                  Bits(0xfff8000000000123ull),
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity()}));
       },
       Refused(5, RejectReason::kNotFinite)},
      {"future periods",
       [next_year](uint64_t s) {
         return One(GdpPeriods(s, {"2999Q4", std::to_string(next_year) + "Q1"}));
       },
       Refused(2, RejectReason::kFuturePeriod)},
      {"malformed periods",
       [](uint64_t s) {
         return One(GdpPeriods(s, {"", "2020-9", "2020q3", "2020Q5", "2020Q0", "2020-13", "2020-00",
                                   "1899", "3000", "20201", " 2020Q3", "2020Q3 ", "+2020Q3",
                                   "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x90Q3"}));
       },
       Refused(14, RejectReason::kMalformedPeriod)},
  };
}

// Cheap frames that claim or carry a great many observations.
std::vector<Case> VolumeCases() {
  return {
      {"amplification: 100,000 zero-size observations in 48 bytes",
       [](uint64_t s) { return One(ZeroSizedObservations(s, 100000)); },
       Malformed(RejectReason::kUndecodable)},
      {"200,000 distinct unknown indicators (2 batches of 100,000)",
       [](uint64_t s) {
         return std::vector<std::vector<std::string>>{{CompactUnknownIndicators(s, 0, 100000)},
                                                      {CompactUnknownIndicators(s + 1, 100000, 100000)}};
       },
       Refused(100000, RejectReason::kUnknownIndicator)},
      {"1,001 period actions",
       [](uint64_t s) {
         std::vector<core::PeriodAction> actions(
             1001, core::PeriodAction{core::PeriodActionKind::kSubmit, "", "2019", ""});
         return One(wire::EncodeBatch(s, 0, {}, actions));
       },
       Malformed(RejectReason::kTooManyObservations)},
      {"1 MiB restatement reason",
       [](uint64_t s) {
         Observation o = Gdp("2019Q4", 1);
         o.restatement = std::string(1 << 20, 'r');
         return One(Batch(s, {o}));
       },
       Refused(1, RejectReason::kFieldTooLong)},
  };
}

std::vector<Case> Table() {
  std::vector<Case> cases = FrameCases();
  for (Case& c : ObservationCases()) cases.push_back(std::move(c));
  for (Case& c : VolumeCases()) cases.push_back(std::move(c));
  return cases;
}

class HostileTest : public ::testing::Test {
 protected:
  HostileTest() : daemon_({{kAdapter, kDept}}) {}

  void SetUp() override {
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    dealer_ = Dealer();
  }

  std::unique_ptr<RawDealer> Dealer() {
    RawDealerOptions options{daemon_.endpoint(), daemon_.server_public(),
                             daemon_.adapter(kAdapter).keys, ""};
    return std::make_unique<RawDealer>(context_, options);
  }

  std::map<std::string, double> Scrape() { return ScrapeMetrics(daemon_.metrics_port()); }

  static double Get(const std::map<std::string, double>& m, const std::string& key) {
    return MetricOr(m, key, 0);  // a counter not yet exported is 0
  }

  static std::string Batches(std::string_view result) {
    return SeriesKey("kpihub_ingest_batches_total",
                     {{"adapter", kAdapter}, {"department", kDept}, {"result", std::string(result)}});
  }
  static std::string Rejections(RejectReason reason) {
    return SeriesKey("kpihub_ingest_rejections_total",
                     {{"department", kDept}, {"reason", std::string(core::ReasonName(reason))}});
  }
  static std::string GdpSeries() {
    return SeriesKey("kpihub_indicator_value", {{"department", kDept}, {"indicator", "gdp"},
                                                {"park", "core"}, {"period", "2018"}});
  }

  // Checks one ack against the table; true when it matches.
  static void CheckAck(const std::optional<wire::AckMessage>& ack, const Expected& e,
                       const std::string& what) {
    ASSERT_TRUE(ack.has_value()) << what << ": no answer";
    EXPECT_EQ(ack->status, e.status) << what << ": " << ack->frame_detail;
    if (e.status == AckStatus::kMalformed) {
      EXPECT_EQ(ack->frame_reason, e.frame_reason) << what << ": " << ack->frame_detail;
      EXPECT_EQ(ack->sequence, 0u) << what;
      EXPECT_LT(ack->frame_detail.size(), 1024u) << what;
      // A stable, readable sentence: printable ASCII, no Cap'n Proto internals, no echo of
      // the frame's bytes.
      for (char c : ack->frame_detail) {
        EXPECT_TRUE(c >= 0x20 && c < 0x7f) << what << ": byte " << int(c) << " in detail";
      }
      for (const char* internal : {"cptr", "capnp", "==", "[X", "expected "}) {
        EXPECT_EQ(ack->frame_detail.find(internal), std::string::npos)
            << what << ": " << ack->frame_detail;
      }
    }
    if (e.status == AckStatus::kAccepted) {
      ASSERT_EQ(ack->rejections.size(), e.rejected) << what;
      for (const auto& r : ack->rejections) {
        ASSERT_EQ(r.reason, e.reason) << what << ": " << r.detail;
        ASSERT_LT(r.detail.size(), 1024u) << what;  // a 1 MiB field is never echoed whole
      }
    }
  }

  // A good batch: gdp of core for 2018Q1 set to `value`; its ack and its figure on /metrics.
  void GoodBatchIsServed(uint64_t sequence, double value, const std::string& after) {
    ASSERT_TRUE(dealer_->Send(Batch(sequence, {Gdp("2018Q1", value)}))) << after;
    auto ack = dealer_->Receive(kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value()) << "no ack for the good batch after " << after;
    EXPECT_EQ(ack->status, AckStatus::kAccepted) << after;
    EXPECT_EQ(ack->sequence, sequence) << after;
    EXPECT_TRUE(ack->rejections.empty()) << after;
    auto m = Scrape();
    EXPECT_EQ(Get(m, GdpSeries()), value) << after;
    EXPECT_EQ(Get(m, SeriesKey("kpihub_sender_last_sequence",
                               {{"adapter", kAdapter}, {"department", kDept}})),
              static_cast<double>(sequence))
        << after;
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
  std::unique_ptr<RawDealer> dealer_;
};

TEST_F(HostileTest, EveryBadBatchGetsItsDocumentedAnswerAndCounter) {
  uint64_t sequence = 1;
  int cases = 0, frames = 0, as_documented = 0, good_after = 0;
  for (const Case& c : Table()) {
    SCOPED_TRACE(c.name);
    auto started = Clock::now();
    auto before = Scrape();
    auto parts = c.frames(sequence);
    for (const auto& frame : parts) {
      ASSERT_TRUE(frame.size() == 1 ? dealer_->Send(frame[0]) : dealer_->SendParts(frame));
      auto ack = dealer_->Receive(kAckTimeoutMs);
      CheckAck(ack, c.expected, c.name);
      if (HasFatalFailure()) return;
      if (c.expected.status == AckStatus::kOutOfOrder) {
        EXPECT_EQ(ack->next_expected, sequence);
      }
      if (c.expected.status == AckStatus::kAccepted) {
        EXPECT_EQ(ack->sequence, sequence++);
      }
      ++frames;
    }
    auto after = Scrape();
    const double n = static_cast<double>(parts.size());
    std::string result(wire::AckStatusName(c.expected.status));
    EXPECT_EQ(Get(after, Batches(result)) - Get(before, Batches(result)), n);
    if (c.expected.status == AckStatus::kMalformed) {
      EXPECT_EQ(Get(after, Rejections(c.expected.frame_reason)) -
                    Get(before, Rejections(c.expected.frame_reason)), n);
    }
    if (c.expected.status == AckStatus::kAccepted && c.expected.rejected > 0) {
      EXPECT_EQ(Get(after, Rejections(c.expected.reason)) - Get(before, Rejections(c.expected.reason)),
                n * c.expected.rejected);
    }
    if (HasFailure()) return;
    ++as_documented;
    GoodBatchIsServed(sequence, 1000.0 + cases, c.name);
    if (HasFailure()) return;
    ++sequence;
    ++good_after;
    ++cases;
    std::printf("hostile: %-58s %3zu frame(s) %6lld ms\n", c.name.c_str(), parts.size(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           Clock::now() - started).count()));
  }
  EXPECT_EQ(dealer_->unreadable(), 0);
  EXPECT_EQ(daemon_.WaitExit(1), -1) << "kpihubd exited\n" << daemon_.ReadLog();
  const int crashes = daemon_.running() ? 0 : 1;
  std::printf("[reliability] hostile: cases=%d frames=%d answered_as_documented=%d "
              "good_batches_served_after=%d daemon_crashes=%d\n",
              cases, frames, as_documented, good_after, crashes);
}

// Unknown indicators are refused by reason code, never turned into metric series: /metrics
// stays the same size however many distinct codes a sender makes up.
TEST_F(HostileTest, UnknownIndicatorsNeverBecomeSeries) {
  auto before = HttpGet(daemon_.metrics_port(), "/metrics");
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(dealer_->Send(CompactUnknownIndicators(1, 0, 5000)));
  auto ack = dealer_->Receive(kAckTimeoutMs);
  CheckAck(ack, Refused(5000, RejectReason::kUnknownIndicator), "5,000 unknown indicators");
  auto after = HttpGet(daemon_.metrics_port(), "/metrics");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->find("u000042"), std::string::npos);
  EXPECT_EQ(after->find("u004999"), std::string::npos);
  // A handful of new series (this adapter's counters), not thousands.
  EXPECT_LT(after->size(), before->size() + 4096) << *after;
}

// A CURVE DEALER of the fixture's adapter whose connection events are watched through a
// socket monitor: a dropped connection shows as ZMQ_EVENT_DISCONNECTED.
class WatchedDealer {
 public:
  WatchedDealer(zmq::context_t& context, const DaemonHarness& daemon, const std::string& name)
      : socket_(context, zmq::socket_type::dealer), monitor_(context, zmq::socket_type::pair) {
    const wire::CurveKeyPair& keys = daemon.adapter(kAdapter).keys;
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::reconnect_ivl, -1);  // a dropped connection stays dropped
    socket_.set(zmq::sockopt::curve_serverkey, daemon.server_public());
    socket_.set(zmq::sockopt::curve_publickey, keys.public_z85);
    socket_.set(zmq::sockopt::curve_secretkey, keys.secret_z85);
    const std::string endpoint = "inproc://monitor-" + name;
    if (zmq_socket_monitor(socket_.handle(), endpoint.c_str(),
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0) {
      throw zmq::error_t();
    }
    monitor_.connect(endpoint);
    socket_.connect(daemon.endpoint());
  }
  bool Send(const std::string& frame) {
    return socket_.send(zmq::buffer(frame), zmq::send_flags::none).has_value();
  }
  std::optional<wire::AckMessage> Receive(int timeout_ms) {
    socket_.set(zmq::sockopt::rcvtimeo, timeout_ms);
    zmq::message_t reply;
    if (!socket_.recv(reply)) return std::nullopt;
    return wire::DecodeAck(reply.data(), reply.size());
  }
  // Takes the events that arrived within `timeout_ms` (0: those already there) into the counts.
  void Poll(int timeout_ms) {
    monitor_.set(zmq::sockopt::rcvtimeo, timeout_ms);
    zmq::message_t event, address;
    while (monitor_.recv(event)) {
      if (event.more()) (void)monitor_.recv(address);
      uint16_t id = 0;
      if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) ++handshakes_;
      if (id == ZMQ_EVENT_DISCONNECTED) ++disconnects_;
      monitor_.set(zmq::sockopt::rcvtimeo, 0);
    }
  }
  int handshakes() const { return handshakes_; }
  int disconnects() const { return disconnects_; }

 private:
  zmq::socket_t socket_;
  zmq::socket_t monitor_;
  int handshakes_ = 0;
  int disconnects_ = 0;
};

// Above the hard limit (2 x max_frame_bytes) libzmq drops the connection without an answer.
// Another connection of the same key, well-behaved, is served before, during and after the
// drop and is never disconnected; the adapter's next attempt, on a fresh connection, is served.
TEST_F(HostileTest, FrameAboveTheHardLimitDropsOnlyThatConnection) {
  auto before = Scrape();
  WatchedDealer well(context_, daemon_, "well");
  uint64_t sequence = 1;
  double value = 70;
  auto serve_well = [&](const std::string& when) {
    ASSERT_TRUE(well.Send(Batch(sequence, {Gdp("2018Q1", value)}))) << when;
    auto ack = well.Receive(kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value()) << "the well-behaved connection got no ack " << when;
    EXPECT_EQ(ack->status, AckStatus::kAccepted) << when;
    EXPECT_EQ(ack->sequence, sequence) << when;
    ++sequence;
    ++value;
  };
  ASSERT_NO_FATAL_FAILURE(serve_well("before the oversized frame"));

  WatchedDealer oversized(context_, daemon_, "oversized");
  ASSERT_TRUE(oversized.Send(std::string((16u << 20) + 8, '\0')));
  // Until the oversized connection is dropped, the other one keeps being served.
  int served_during = 0;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       oversized.disconnects() == 0 && std::chrono::steady_clock::now() < deadline;) {
    ASSERT_NO_FATAL_FAILURE(serve_well("while the oversized frame is being received"));
    ++served_during;
    oversized.Poll(100);
  }
  ASSERT_EQ(oversized.disconnects(), 1) << "the oversized frame's connection was not dropped";
  EXPECT_FALSE(oversized.Receive(0).has_value());  // never answered
  ASSERT_NO_FATAL_FAILURE(serve_well("after the drop"));
  well.Poll(0);
  EXPECT_EQ(well.handshakes(), 1);
  EXPECT_EQ(well.disconnects(), 0) << "the well-behaved connection was dropped too";
  std::printf("oversized frame: %d batches served on the other connection meanwhile\n",
              served_during);

  // The protocol: no ack means resend; the adapter's fresh connection is served.
  dealer_ = Dealer();
  ASSERT_NO_FATAL_FAILURE(GoodBatchIsServed(sequence, value, "the dropped connection"));
  auto after = Scrape();
  EXPECT_EQ(Get(after, Batches("malformed")), Get(before, Batches("malformed")));
  EXPECT_EQ(Get(after, Batches("accepted")),
            Get(before, Batches("accepted")) + static_cast<double>(sequence));
  EXPECT_EQ(daemon_.WaitExit(1), -1) << daemon_.ReadLog();
}

}  // namespace
}  // namespace kpihub::testing
