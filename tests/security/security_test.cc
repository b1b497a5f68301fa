// Authentication and authorisation matrix, end to end: the real kpihubd, real CURVE keys,
// real sockets. Every attempt that must be refused is refused, counted on /metrics and logged;
// then the state itself (`kpihub export`, /metrics) is compared with what the authorised
// batches wrote, and any figure beyond that is an unauthorised write — there must be none.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "kpihub/testing/csv_rows.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/protocol_suite.h"
#include "kpihub/testing/raw_dealer.h"

namespace kpihub::testing {
namespace {

constexpr int kNoAnswerMs = 1500;  // how long a refused client is given to (wrongly) get an ack

const std::string kDenied = "connection refused mechanism=CURVE";
const std::map<std::string, std::string> kZapDenied = {{"mechanism", "CURVE"}, {"result", "denied"}};

class SecurityMatrixTest : public ::testing::Test {
 protected:
  SecurityMatrixTest()
      : daemon_({{"scitech-1", "scitech"}, {"tax-1", "tax"}, {"finance-1", "finance"},
                 {"env-1", "environment"}, {"scitech-2", "scitech"}, {"scitech-3", "scitech"}}) {}

  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  std::unique_ptr<RawDealer> Dealer(const std::string& adapter, const std::string& routing_id = "") {
    return Dealer(daemon_.adapter(adapter).keys, daemon_.server_public(), routing_id);
  }
  std::unique_ptr<RawDealer> Dealer(const wire::CurveKeyPair& keys, const std::string& server,
                                    const std::string& routing_id = "") {
    return std::make_unique<RawDealer>(context_,
                                       RawDealerOptions{daemon_.endpoint(), server, keys, routing_id});
  }

  std::map<std::string, double> Scrape() { return ScrapeMetrics(daemon_.metrics_port()); }
  double Metric(const std::string& name, std::map<std::string, std::string> labels) {
    auto m = Scrape();
    auto it = m.find(SeriesKey(name, std::move(labels)));
    return it == m.end() ? 0 : it->second;
  }
  // Polls until the counter reaches `at_least` (a refused handshake is counted asynchronously).
  bool WaitMetric(const std::string& name, std::map<std::string, std::string> labels, double at_least) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (Metric(name, labels) >= at_least) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  bool WaitLog(const std::string& needle, int occurrences) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (CountOccurrences(daemon_.ReadLog(), needle) >= occurrences) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::optional<wire::AckMessage> Send(RawDealer& dealer, uint64_t seq, std::vector<Observation> obs) {
    EXPECT_TRUE(dealer.Send(wire::EncodeBatch(seq, 0, obs)));
    return dealer.Receive(kAckTimeoutMs);
  }

  // Every figure held, per department, as `kpihub export --department D` prints it:
  // "indicator,park,entity,period" -> "value,adapter".
  std::map<std::string, std::string> ExportedFigures() {
    std::map<std::string, std::string> figures;
    for (const char* dept : {"scitech", "tax", "finance", "environment"}) {
      std::string out;
      int code = RunCommand(BinaryPath("kpihub") + " export --department " + dept + " --config " +
                                daemon_.config_path(), &out);
      EXPECT_EQ(code, 0) << out;
      for (const auto& f : CsvRows(out, 7)) {
        figures[f[0] + "," + f[1] + "," + f[2] + "," + f[3]] = f[4] + "," + f[6];
      }
    }
    return figures;
  }

  static Observation Output(uint32_t serial, double value) {
    return {"industrial_output", "core", MakeUscc(serial), "2020-03", value, ""};
  }
  static Observation Gdp(const std::string& period, double value) {
    return {"gdp", "core", "", period, value, ""};
  }

  // Counts an attempt that must have been refused, counted on /metrics and logged.
  void Refusal(bool was_refused, bool was_counted, bool was_logged, const std::string& what) {
    ++attempts_;
    refused_ += was_refused;
    counted_ += was_counted;
    logged_ += was_logged;
    EXPECT_TRUE(was_refused) << what;
    EXPECT_TRUE(was_counted) << what << ": not counted";
    EXPECT_TRUE(was_logged) << what << ": not logged\n" << daemon_.ReadLog();
    std::printf("security: %-52s refused=%d counted=%d logged=%d\n", what.c_str(), was_refused,
                was_counted, was_logged);
  }

  void UnknownKey() {
    // Unknown key.
    auto stranger = Dealer(wire::GenerateCurveKeyPair(), daemon_.server_public());
    // The send may already find no session: libzmq drops a refused handshake's pipe, so on a
    // busy machine the refusal can come before the frame is queued. Either way nothing lands.
    (void)stranger->Send(wire::EncodeBatch(1, 0, {Gdp("2020Q3", 666)}));
    bool counted_now = WaitMetric("kpihub_zap_requests_total", kZapDenied, 1);
    Refusal(!stranger->Receive(kNoAnswerMs), counted_now, WaitLog(kDenied, 1), "unknown key");
  }
  // Revocation: scitech-2 (never connected) and scitech-3 (connected, `scitech3`) leave the
  // registry.
  void RevokedKeys(RawDealer& scitech3) {
    daemon_.WriteRegistry({"scitech-1", "tax-1", "finance-1", "env-1"});
    daemon_.Signal(SIGHUP);
    ASSERT_TRUE(WaitLog("reloaded catalogue", 1)) << daemon_.ReadLog();
    {
      double before = Metric("kpihub_zap_requests_total", kZapDenied);
      auto revoked = Dealer("scitech-2");
      (void)revoked->Send(wire::EncodeBatch(1, 0, {Output(5, 9e9)}));  // may find no session
      bool counted_now = WaitMetric("kpihub_zap_requests_total", kZapDenied, before + 1);
      // ZAP refusals are logged on the 1st, 10th, 100th... (with the count): this 2nd one is
      // in the counter, and the log has said that such refusals happen.
      Refusal(!revoked->Receive(kNoAnswerMs), counted_now, WaitLog(kDenied, 1),
              "revoked key, new connection");
    }
    {
      auto ack = Send(scitech3, 2, {Output(6, 9e9)});  // the session admitted before the reload
      bool was_refused = ack && ack->status == AckStatus::kUnauthorized &&
                         ack->frame_reason == RejectReason::kUnregisteredKey;
      Refusal(was_refused,
              Metric("kpihub_ingest_batches_total", {{"adapter", "scitech-3"}, {"department", "scitech"},
                                                     {"result", "unauthorized"}}) == 1 &&
                  Metric("kpihub_ingest_rejections_total",
                         {{"department", "scitech"}, {"reason", "unregistered_key"}}) == 1,
              WaitLog("frame refused adapter=scitech-3 department=scitech reason=unauthorized", 1),
              "revoked key, live session");
    }
  }

  void WrongServerKey() {
    // The daemon's key is not the one the client trusts: the handshake fails.
    auto confused = Dealer(daemon_.adapter("finance-1").keys, wire::GenerateCurveKeyPair().public_z85);
    (void)confused->Send(wire::EncodeBatch(3, 0, {Gdp("2020Q3", 666)}));  // may find no session
    bool counted_now = WaitMetric("kpihub_ingest_handshake_failures_total", {{"reason", "cryptographic"}}, 1);
    Refusal(!confused->Receive(kNoAnswerMs), counted_now,
            WaitLog("handshake failed reason=cryptographic", 1), "wrong server key");
  }

  void PlaintextClient() {
    // No CURVE at all. The server sees the mechanism mismatch, unless the client, which sees
    // it too, hangs up first: then the handshake ends without detail.
    auto plain = Dealer(wire::CurveKeyPair{}, "");
    (void)plain->Send(wire::EncodeBatch(3, 0, {Gdp("2020Q3", 666)}));  // may find no session
    auto refused_without_curve = [&] {
      return Metric("kpihub_ingest_handshake_failures_total", {{"reason", "mechanism_mismatch"}}) +
             Metric("kpihub_ingest_handshake_failures_total", {{"reason", "no_detail"}});
    };
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (refused_without_curve() < 1 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    bool counted_now = refused_without_curve() >= 1;
    bool logged_now = false;
    while (!logged_now && Clock::now() < deadline) {
      std::string log = daemon_.ReadLog();
      logged_now = log.find("handshake failed reason=mechanism_mismatch") != std::string::npos ||
                   log.find("handshake failed reason=no_detail") != std::string::npos;
      if (!logged_now) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Refusal(!plain->Receive(kNoAnswerMs), counted_now, logged_now, "plaintext client");
  }

  void SpoofedRoutingId() {
    // The tax key behind finance's name as routing id: identity comes from the key only.
    auto spoof = Dealer("tax-1", "finance-1");
    auto ack = Send(*spoof, 1, {Gdp("2020Q3", 666)});
    bool was_refused = ack && ack->status == AckStatus::kAccepted && ack->rejections.size() == 1 &&
                       ack->rejections[0].reason == RejectReason::kNotOwner;
    Refusal(was_refused,
            Metric("kpihub_ingest_rejections_total", {{"department", "tax"}, {"reason", "not_owner"}}) == 1,
            WaitLog("observations refused adapter=tax-1 department=tax seq=1 not_owner=1", 1),
            "spoofed routing id (tax key, routing id finance-1)");
  }

  void DuplicateRoutingId() {
    // Another peer claims a routing id already in use: its frames never take over the route.
    auto victim = Dealer("finance-1", "route-a");
    auto first = Send(*victim, 3, {});
    ASSERT_TRUE(first.has_value());
    ASSERT_EQ(first->status, AckStatus::kAccepted);
    auto thief = Dealer("env-1", "route-a");
    ASSERT_TRUE(thief->Send(wire::EncodeBatch(1, 0, {Gdp("2020Q3", 666)})));
    auto ack = Send(*victim, 4, {});  // the victim still gets its own acks
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->status, AckStatus::kAccepted);
    EXPECT_EQ(ack->sequence, 4u);
    ++attempts_;
    EXPECT_FALSE(thief->Receive(kNoAnswerMs).has_value());  // nor any of the victim's
    std::printf("security: %-52s refused by libzmq (route kept by its first peer)\n",
                "duplicate routing id");
  }

  void ForeignIndicators() {
    // A department key writing another department's indicators.
    auto env = Dealer("env-1");
    auto ack = Send(*env, 1, {Output(7, 9e9), Gdp("2020Q4", 666)});
    bool was_refused = ack && ack->status == AckStatus::kAccepted && ack->rejections.size() == 2 &&
                       ack->rejections[0].reason == RejectReason::kNotOwner &&
                       ack->rejections[1].reason == RejectReason::kNotOwner;
    Refusal(was_refused,
            Metric("kpihub_ingest_rejections_total",
                   {{"department", "environment"}, {"reason", "not_owner"}}) == 2,
            WaitLog("observations refused adapter=env-1 department=environment seq=1 not_owner=2", 1),
            "another department's indicators");
  }

  void Replays(RawDealer& finance, const std::string& first_finance_frame) {
    // Replays: the captured first frame as is, and sequence 1 with another value.
    ASSERT_TRUE(finance.Send(first_finance_frame));
    auto replay = finance.Receive(kAckTimeoutMs);
    auto changed = Send(finance, 1, {Gdp("2020Q1", 999)});
    bool was_refused = replay && replay->status == AckStatus::kDuplicate && changed &&
                       changed->status == AckStatus::kDuplicate && changed->next_expected == 5;
    Refusal(was_refused,
            Metric("kpihub_ingest_batches_total",
                   {{"adapter", "finance-1"}, {"department", "finance"}, {"result", "duplicate"}}) == 2,
            WaitLog("batch duplicate adapter=finance-1 seq=1", 2), "replay of an old sequence");
  }

  // The state: exactly the authorised figures, each written by its owner's adapter. The
  // number of figures beyond them (unauthorised writes).
  int CheckState(const std::vector<Observation>& outputs) {
    std::map<std::string, std::string> expected;
    for (const auto& o : outputs) {
      char value[32];
      std::snprintf(value, sizeof value, "%.0f", o.value);
      expected["industrial_output,core," + o.entity + ",2020-03"] = std::string(value) + ",scitech-1";
    }
    expected["gdp,core,,2020Q1"] = "5000000000,finance-1";
    expected["gdp,core,,2020Q2"] = "1,finance-1";
    auto figures = ExportedFigures();
    int unauthorised = 0;
    for (const auto& [key, value] : figures) {
      auto it = expected.find(key);
      // Values print as exact decimals ("1000000.00"): compare numerically, adapter exactly.
      std::string v = value.substr(0, value.find(',')), who = value.substr(value.find(',') + 1);
      bool ok = it != expected.end() && std::stod(v) == std::stod(it->second.substr(0, it->second.find(','))) &&
                who == it->second.substr(it->second.find(',') + 1);
      if (!ok) {
        ++unauthorised;
        ADD_FAILURE() << "unauthorised figure " << key << " = " << value;
      }
    }
    EXPECT_EQ(figures.size(), expected.size());
    auto m = Scrape();
    EXPECT_EQ(m[SeriesKey("kpihub_indicator_value", {{"department", "finance"}, {"indicator", "gdp"},
                                                     {"park", "core"}, {"period", "2020"}})], 5e9 + 1);
    EXPECT_EQ(m[SeriesKey("kpihub_indicator_value", {{"department", "scitech"}, {"indicator", "industrial_output"},
                                                     {"park", "zone"}, {"period", "2020"}})], 1e7);
    EXPECT_EQ(m.count(SeriesKey("kpihub_sender_last_sequence", {{"adapter", "scitech-2"}, {"department", "scitech"}})), 0u);
    EXPECT_EQ(m[SeriesKey("kpihub_sender_last_sequence", {{"adapter", "scitech-3"}, {"department", "scitech"}})], 1);
    return unauthorised;
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
  int attempts_ = 0, refused_ = 0, counted_ = 0, logged_ = 0;
};

TEST_F(SecurityMatrixTest, OnlyAuthorisedWritesReachTheState) {
  // Allowed keys: the authorised writes, everything the state may hold at the end.
  auto scitech = Dealer("scitech-1");
  auto finance = Dealer("finance-1");
  auto scitech3 = Dealer("scitech-3");
  const std::vector<Observation> outputs = {Output(1, 1e6), Output(2, 2e6), Output(3, 3e6), Output(4, 4e6)};
  ASSERT_EQ(Send(*scitech, 1, outputs).value().status, AckStatus::kAccepted);
  const std::string first_finance_frame = wire::EncodeBatch(1, 0, {Gdp("2020Q1", 5e9)});
  ASSERT_TRUE(finance->Send(first_finance_frame));
  ASSERT_EQ(finance->Receive(kAckTimeoutMs).value().status, AckStatus::kAccepted);
  ASSERT_EQ(Send(*finance, 2, {Gdp("2020Q2", 1)}).value().status, AckStatus::kAccepted);
  ASSERT_EQ(Send(*scitech3, 1, {}).value().status, AckStatus::kAccepted);  // a live session
  attempts_ += 4;

  ASSERT_NO_FATAL_FAILURE(UnknownKey());
  ASSERT_NO_FATAL_FAILURE(RevokedKeys(*scitech3));
  ASSERT_NO_FATAL_FAILURE(WrongServerKey());
  ASSERT_NO_FATAL_FAILURE(PlaintextClient());
  ASSERT_NO_FATAL_FAILURE(SpoofedRoutingId());
  ASSERT_NO_FATAL_FAILURE(DuplicateRoutingId());
  ASSERT_NO_FATAL_FAILURE(ForeignIndicators());
  ASSERT_NO_FATAL_FAILURE(Replays(*finance, first_finance_frame));
  const int unauthorised = CheckState(outputs);
  std::printf("[reliability] security: attempts=%d refusals=%d counted=%d logged=%d unauthorised_writes=%d\n",
              attempts_, refused_, counted_, logged_, unauthorised);
}

// A flood of clients with unknown keys: every refusal is counted, but the log gets one line
// per power of ten (with the count), so that journald keeps the real warnings.
TEST_F(SecurityMatrixTest, ZapRefusalsAreCountedAndTheirLogIsRateLimited) {
  std::vector<std::unique_ptr<RawDealer>> strangers;
  for (int i = 0; i < 150; ++i) {
    strangers.push_back(Dealer(wire::GenerateCurveKeyPair(), daemon_.server_public()));
  }
  ASSERT_TRUE(WaitMetric("kpihub_zap_requests_total", kZapDenied, 150)) << daemon_.ReadLog();
  strangers.clear();
  double refusals = Metric("kpihub_zap_requests_total", kZapDenied);
  int lines = CountOccurrences(daemon_.ReadLog(), kDenied);
  std::printf("ZAP refusals: %.0f counted, %d log lines\n", refusals, lines);
  EXPECT_GE(lines, 3);  // the 1st, 10th and 100th
  EXPECT_LE(lines, 6);  // ... and at most up to the 100,000th
  EXPECT_NE(daemon_.ReadLog().find("reason=unknown_key_or_mechanism count=100"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::testing
