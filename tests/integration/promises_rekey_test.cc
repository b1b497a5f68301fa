// security.md, "Adding, revoking and replacing a key": a session admitted before a reload is
// not cut, so the daemon checks every frame; a frame whose key is now registered as another
// adapter or department is answered `unauthorized` (`unregisteredKey`) and nothing in it is
// applied. A new session with that key speaks as the new entry. Driven with the real kpihubd,
// the registry edited and reloaded with `kpihub keys ... --reload`, and the outcome read back
// through /metrics and `kpihub export`.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kpihub/core/reason.h"
#include "kpihub/testing/csv_rows.h"
#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

using wire::AckStatus;

constexpr int kAckTimeoutMs = 10000;

struct NewEntry {
  const char* id;
  const char* department;
  uint64_t first_sequence;  // what that adapter id expects next after the reload
};

void PrintTo(const NewEntry& e, std::ostream* os) { *os << e.id << "/" << e.department; }

// A figure the department owns, so that only the attribution can make it fail.
std::vector<core::Observation> OwnedFigure(const std::string& department, uint32_t serial) {
  if (department == "finance") return {{"gdp", "core", "", "2020Q1", 1e8, ""}};
  return {{"industrial_output", "auto_parts", MakeUscc(serial), "2020-03", 5.0, ""}};
}

// `kpihub export --department D` as (adapter, sequence) -> rows.
std::map<std::pair<std::string, uint64_t>, int> ExportedWriters(const std::string& config,
                                                                const std::string& department) {
  CliResult r = Kpihub("export --department " + department + " --config " + config);
  EXPECT_EQ(r.code, 0) << r.output;
  std::map<std::pair<std::string, uint64_t>, int> writers;
  // indicator,park,entity,period,value,note,adapter,sequence,received
  for (const auto& fields : CsvRows(r.output, 9)) ++writers[{fields[6], std::stoull(fields[7])}];
  return writers;
}

class PromisesKeyReRegistered : public ::testing::TestWithParam<NewEntry> {
 protected:
  PromisesKeyReRegistered() : daemon_({{"scitech-1", "scitech"}, {"finance-1", "finance"}}) {}
  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  double LastSequence(const std::string& adapter, const std::string& department) {
    return MetricOr(ScrapeMetrics(daemon_.metrics_port()),
                    SeriesKey("kpihub_sender_last_sequence",
                              {{"adapter", adapter}, {"department", department}}),
                    -1);
  }

  zmq::context_t context_{1};
  DaemonHarness daemon_;
};

TEST_P(PromisesKeyReRegistered, LiveSessionIsRefusedAndANewOneSpeaksAsTheNewEntry) {
  const NewEntry entry = GetParam();
  const std::string config = " --config " + daemon_.config_path();
  auto live = ConnectAs(context_, daemon_, "scitech-1");
  auto first = live->SendBatch(1, OwnedFigure("scitech", 100), 0, kAckTimeoutMs);
  ASSERT_TRUE(first.has_value()) << daemon_.ReadLog();
  ASSERT_EQ(first->status, AckStatus::kAccepted);

  // The operator moves scitech-1's key to another entry, and the daemon takes it.
  CliResult revoke = Kpihub("keys revoke scitech-1" + config);
  ASSERT_EQ(revoke.code, 0) << revoke.output;
  CliResult add = Kpihub(std::string("keys add ") + entry.id + " --department " +
                         entry.department + " --public-key " + daemon_.dir() +
                         "/scitech-1.pub --reload" + config);
  ASSERT_EQ(add.code, 0) << add.output << daemon_.ReadLog();

  // The live session, whether it goes on as the old adapter or starts as the new one.
  for (uint64_t sequence : {uint64_t{2}, entry.first_sequence}) {
    for (const std::string& dept : {std::string("scitech"), std::string(entry.department)}) {
      SCOPED_TRACE("live session, sequence " + std::to_string(sequence) + ", " + dept + " figure");
      auto ack = live->SendBatch(sequence, OwnedFigure(dept, 200), 0, kAckTimeoutMs);
      ASSERT_TRUE(ack.has_value()) << daemon_.ReadLog();
      EXPECT_EQ(wire::AckStatusName(ack->status), "unauthorized");
      EXPECT_EQ(core::ReasonName(ack->frame_reason), "unregistered_key");
      EXPECT_EQ(ack->sequence, 0u);
    }
  }
  EXPECT_EQ(LastSequence("scitech-1", "scitech"), 1) << "nothing more applied as the old entry";
  if (entry.first_sequence == 1) {
    EXPECT_EQ(LastSequence(entry.id, entry.department), -1) << "nor as the new one";
  }

  // A new session with the same key is the new entry.
  auto fresh = ConnectAs(context_, daemon_, "scitech-1");  // the same key pair
  auto ack = fresh->SendBatch(entry.first_sequence, OwnedFigure(entry.department, 300), 0,
                              kAckTimeoutMs);
  ASSERT_TRUE(ack.has_value()) << daemon_.ReadLog();
  EXPECT_EQ(wire::AckStatusName(ack->status), "accepted");
  EXPECT_TRUE(ack->rejections.empty()) << core::ReasonName(ack->rejections[0].reason);
  EXPECT_EQ(LastSequence(entry.id, entry.department), entry.first_sequence);
  if (std::string(entry.department) != "scitech") {
    EXPECT_EQ(LastSequence(entry.id, "scitech"), -1) << "the new entry is not the old department";
  }

  // The store says who wrote what: seq 1 by scitech-1, the new figure by the new entry, and
  // nothing of the live session after the reload.
  auto old_department = ExportedWriters(daemon_.config_path(), "scitech");
  auto new_department = ExportedWriters(daemon_.config_path(), entry.department);
  EXPECT_EQ((old_department[{"scitech-1", 1}]), 1);
  EXPECT_EQ((new_department[{entry.id, entry.first_sequence}]), 1);
  size_t expected_writers = std::string(entry.department) == "scitech" ? 2 : 1;
  EXPECT_EQ(old_department.size(), expected_writers);
  EXPECT_EQ(new_department.size(), expected_writers);
}

std::string CaseName(const ::testing::TestParamInfo<NewEntry>& info) {
  static const char* const kNames[] = {"AnotherAdapter", "AnotherAdapterAndDepartment",
                                       "SameIdAnotherDepartment"};
  return kNames[info.index];
}

INSTANTIATE_TEST_SUITE_P(
    Moved, PromisesKeyReRegistered,
    ::testing::Values(NewEntry{"scitech-2", "scitech", 1},   // another adapter
                      NewEntry{"finance-2", "finance", 1},   // another adapter and department
                      NewEntry{"scitech-1", "finance", 2}),  // the same id, another department
    CaseName);

}  // namespace
}  // namespace kpihub::testing
