// Closing a year through the real kpihubd with real keys (docs/operations.md, "Closing a
// year"): a department submits, the office approves, a plain revision of the approved year is
// refused, a restatement is taken, an approval by a key without the right is refused, and a
// kill -9 during an approval loses nothing and doubles nothing.
#include <gtest/gtest.h>

#include <csignal>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kpihub/core/reason.h"
#include "kpihub/store/store.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/raw_dealer.h"

namespace kpihub::testing {
namespace {

using core::PeriodActionKind;
using wire::AckStatus;

constexpr int kAckTimeoutMs = 15000;

core::PeriodAction Action(PeriodActionKind kind, std::string department, int year) {
  return core::PeriodAction{kind, std::move(department), std::to_string(year), ""};
}

// One enterprise's yearly R&D super-deduction, as tax reports it.
core::Observation Enterprises(int year, double value, std::string restatement = "") {
  core::Observation o{"rd_super_deduction", "core", MakeUscc(7), std::to_string(year), value, ""};
  o.restatement = std::move(restatement);
  return o;
}

class ClosingDaemonTest : public ::testing::Test {
 protected:
  ClosingDaemonTest()
      : daemon_(std::vector<std::pair<std::string, std::string>>{{"tax-1", "tax"},
                                                                  {"office-1", "office"}}) {}
  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  std::unique_ptr<RawDealer> Dealer(const std::string& adapter) {
    return std::make_unique<RawDealer>(
        context_, RawDealerOptions{daemon_.endpoint(), daemon_.server_public(),
                                   daemon_.adapter(adapter).keys, ""});
  }
  // Sends one batch and waits for its answer.
  wire::AckMessage Send(RawDealer& dealer, uint64_t sequence,
                        const std::vector<core::Observation>& obs,
                        const std::vector<core::PeriodAction>& actions = {}) {
    EXPECT_TRUE(dealer.Send(wire::EncodeBatch(sequence, 0, obs, actions)));
    std::optional<wire::AckMessage> ack = dealer.Receive(kAckTimeoutMs);
    EXPECT_TRUE(ack.has_value()) << "no ack for sequence " << sequence;
    return ack.value_or(wire::AckMessage{});
  }
  // The store as the CLI sees it, beside the running daemon.
  std::unique_ptr<store::Store> ReadStore() {
    store::StoreOptions options;
    options.path = daemon_.state_dir();
    options.read_only = true;
    std::unique_ptr<store::Store> s;
    Status status = store::Store::Open(options, &s);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return s;
  }
  core::PeriodState StateOf(const std::string& department, int year) {
    auto s = ReadStore();
    std::unique_ptr<store::Snapshot> snapshot;
    core::PeriodState state = core::PeriodState::kOpen;
    if (!s || !s->OpenSnapshot(&snapshot).ok()) return state;
    EXPECT_TRUE(snapshot->ForEachPeriod([&](const store::PeriodRecord& p) {
      if (p.department == department && p.year == year) state = p.state;
    }).ok());
    return state;
  }
  std::vector<store::PeriodLogEntry> Log() {
    std::vector<store::PeriodLogEntry> out;
    auto s = ReadStore();
    std::unique_ptr<store::Snapshot> snapshot;
    if (!s || !s->OpenSnapshot(&snapshot).ok()) return out;
    EXPECT_TRUE(snapshot->ForEachPeriodLog([&](const store::PeriodLogEntry& e) {
      out.push_back(e);
    }).ok());
    return out;
  }
  void ExpectVerifyPasses() {
    std::string out;
    EXPECT_EQ(RunCommand(BinaryPath("kpihub") + " verify --config " + daemon_.config_path(), &out),
              0)
        << out;
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

TEST_F(ClosingDaemonTest, SubmitApproveRefuseRevisionTakeRestatement) {
  auto tax = Dealer("tax-1");
  auto office = Dealer("office-1");
  // Approving what was not submitted is a conflict; the tax key may not approve at all.
  wire::AckMessage early = Send(*office, 1, {}, {Action(PeriodActionKind::kApprove, "tax", 2020)});
  ASSERT_EQ(early.action_rejections.size(), 1u);
  EXPECT_EQ(core::ReasonName(early.action_rejections[0].reason), "period_state_conflict");
  wire::AckMessage delivered = Send(*tax, 1, {Enterprises(2020, 40)},
                                    {Action(PeriodActionKind::kSubmit, "", 2020)});
  EXPECT_EQ(delivered.status, AckStatus::kAccepted);
  EXPECT_TRUE(delivered.rejections.empty());
  EXPECT_TRUE(delivered.action_rejections.empty());
  wire::AckMessage self = Send(*tax, 2, {}, {Action(PeriodActionKind::kApprove, "tax", 2020)});
  ASSERT_EQ(self.action_rejections.size(), 1u);
  EXPECT_EQ(core::ReasonName(self.action_rejections[0].reason), "not_approver");
  EXPECT_EQ(StateOf("tax", 2020), core::PeriodState::kSubmitted);

  wire::AckMessage approved = Send(*office, 2, {}, {Action(PeriodActionKind::kApprove, "tax", 2020)});
  EXPECT_TRUE(approved.action_rejections.empty());
  EXPECT_EQ(StateOf("tax", 2020), core::PeriodState::kApproved);

  // The department resends its file: accepted, nothing changes. A changed figure is refused.
  EXPECT_TRUE(Send(*tax, 3, {Enterprises(2020, 40)}).rejections.empty());
  wire::AckMessage revised = Send(*tax, 4, {Enterprises(2019, 1), Enterprises(2020, 41)});
  ASSERT_EQ(revised.rejections.size(), 1u);
  EXPECT_EQ(revised.rejections[0].index, 1u);
  EXPECT_EQ(core::ReasonName(revised.rejections[0].reason), "period_closed");
  // As a restatement, with its reason, it is taken.
  wire::AckMessage restated = Send(*tax, 5, {Enterprises(2020, 41, "更正：年报复核")});
  EXPECT_TRUE(restated.rejections.empty());
  auto s = ReadStore();
  std::unique_ptr<store::Snapshot> snapshot;
  ASSERT_TRUE(s && s->OpenSnapshot(&snapshot).ok());
  std::vector<store::Restatement> restatements;
  ASSERT_TRUE(snapshot->ForEachRestatement([&](const store::Restatement& r) {
    restatements.push_back(r);
  }).ok());
  ASSERT_EQ(restatements.size(), 1u);
  EXPECT_EQ(restatements[0].reason, "更正：年报复核");
  EXPECT_EQ(restatements[0].change.old_value, core::Decimal::FromInt(40));
  EXPECT_EQ(restatements[0].change.adapter, "tax-1");
  // Refusals are counted like every other rejection.
  auto metrics = ScrapeMetrics(daemon_.metrics_port());
  EXPECT_EQ(MetricOr(metrics,
                     SeriesKey("kpihub_ingest_rejections_total",
                               {{"department", "tax"}, {"reason", "period_closed"}}),
                     0),
            1);
  snapshot.reset();
  s.reset();
  ExpectVerifyPasses();
}

// The daemon is killed at a random moment after an approval was sent; the office resends it
// after the restart (as `kpihub approve` does after a timeout). Every year ends approved with
// exactly one approval in its log, whether the kill came before or after the commit.
TEST_F(ClosingDaemonTest, KillDuringApprovalLosesNothingAndDoublesNothing) {
  std::random_device rd;
  const uint32_t seed = std::getenv("KPIHUB_SEED") ? std::stoul(std::getenv("KPIHUB_SEED")) : rd();
  std::mt19937 random(seed);
  std::printf("closing kill seed %u (set KPIHUB_SEED to repeat)\n", seed);
  uint64_t tax_seq = 0, office_seq = 0;
  int duplicates = 0;
  for (int year = 2016; year <= 2020; ++year) {
    {
      auto tax = Dealer("tax-1");
      wire::AckMessage submitted = Send(*tax, ++tax_seq, {Enterprises(year, year - 2000)},
                                        {Action(PeriodActionKind::kSubmit, "", year)});
      ASSERT_EQ(submitted.status, AckStatus::kAccepted);
    }
    const uint64_t sequence = ++office_seq;
    const std::string frame =
        wire::EncodeBatch(sequence, 0, {}, {Action(PeriodActionKind::kApprove, "tax", year)});
    {
      auto office = Dealer("office-1");
      ASSERT_TRUE(office->Send(frame));
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 20000));
      daemon_.Kill(SIGKILL);
    }
    ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
    auto office = Dealer("office-1");
    ASSERT_TRUE(office->Send(frame));
    std::optional<wire::AckMessage> ack = office->Receive(kAckTimeoutMs);
    ASSERT_TRUE(ack.has_value());
    EXPECT_TRUE(ack->status == AckStatus::kAccepted || ack->status == AckStatus::kDuplicate)
        << wire::AckStatusName(ack->status);
    if (ack->status == AckStatus::kDuplicate) ++duplicates;
    EXPECT_TRUE(ack->action_rejections.empty());
    EXPECT_EQ(StateOf("tax", year), core::PeriodState::kApproved) << year;
  }
  int approvals = 0;
  for (const store::PeriodLogEntry& e : Log()) {
    if (e.action == PeriodActionKind::kApprove) ++approvals;
  }
  EXPECT_EQ(approvals, 5);
  std::printf("approvals committed before the kill: %d of 5\n", duplicates);
  ExpectVerifyPasses();
}

}  // namespace
}  // namespace kpihub::testing
