// SubscriptionState and SubscriptionFiles: the cursor survives reopening; a crash between any
// two steps of a file write leaves, after Recover, the file exactly once and the cursor at its
// change, also when the department took the final file away before the restart; stray temps
// go; one process per state directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kpihub/delivery/subscription_state.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::delivery {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<SubscriptionState> Open(const std::string& dir) {
  auto state = SubscriptionState::Open(dir);
  EXPECT_TRUE(state.ok()) << state.status().ToString();
  return state.ok() ? *std::move(state) : nullptr;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class SubscriptionStateTest : public ::testing::Test {
 protected:
  std::string state_dir() const { return dir_.path() + "/state"; }
  std::string out() const { return dir_.path() + "/out"; }
  testing::TempDir dir_;
};

TEST_F(SubscriptionStateTest, CursorAndFingerprintSurviveReopening) {
  {
    auto state = Open(state_dir());
    ASSERT_TRUE(state);
    EXPECT_TRUE(state->Load("certified")->change.none());
    SubscriptionFiles files(*state, "certified", out());
    ASSERT_TRUE(files.Recover().ok());
    ASSERT_TRUE(files.Reset("fp1").ok());
    ASSERT_TRUE(files.Write("certified-7-2.csv", "a\n", {7, 2}).ok());
    ASSERT_TRUE(files.Advance({9, 0xFFFFFFFFu}).ok());
  }
  auto state = Open(state_dir());
  ASSERT_TRUE(state);
  auto c = state->Load("certified");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->change, (wire::ChangeId{9, 0xFFFFFFFFu}));
  EXPECT_EQ(c->fingerprint, "fp1");
  EXPECT_FALSE(c->intent.has_value());
  EXPECT_EQ(Files(out()), std::vector<std::string>{"certified-7-2.csv"});
  EXPECT_EQ(fs::status(state_dir()).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(SubscriptionStateTest, ASecondProcessIsRefusedTheDirectory) {
  auto first = Open(state_dir());
  ASSERT_TRUE(first);
  auto second = SubscriptionState::Open(state_dir());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
}

// A crash after each step, then a restart: Recover, and the message comes again from the
// daemon when its change id was not stored (as the Subscriber resubscribes from the cursor).
struct KillPoint {
  SubscriptionFiles::StopAfter stop;
  bool department_took_file;  // the final file moved away before the restart
};

class SubscriptionKillTest : public SubscriptionStateTest,
                             public ::testing::WithParamInterface<KillPoint> {};

TEST_P(SubscriptionKillTest, TheFileComesOutExactlyOnce) {
  const KillPoint kill = GetParam();
  const wire::ChangeId change{12, 3};
  const std::string final_name = "certified-12-3.csv";
  {
    auto state = Open(state_dir());
    SubscriptionFiles files(*state, "certified", out());
    ASSERT_TRUE(files.Recover().ok());
    ASSERT_TRUE(files.Write("certified-12-2.csv", "before\n", {12, 2}).ok());
    files.set_stop_after(kill.stop);
    EXPECT_FALSE(files.Write(final_name, "the change\n", change).ok());
  }
  const std::string taken = dir_.path() + "/taken";
  fs::create_directories(taken);
  if (kill.department_took_file) {
    for (const auto& f : Files(out())) {
      if (f[0] != '.') fs::rename(out() + "/" + f, taken + "/" + f);
    }
  }
  auto state = Open(state_dir());
  SubscriptionFiles files(*state, "certified", out());
  auto cursor = files.Recover();
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  EXPECT_FALSE(cursor->intent.has_value());
  // What the daemon sends again after the cursor, the consumer writes again.
  if (cursor->change < change) {
    ASSERT_TRUE(files.Write(final_name, "the change\n", change).ok());
  }
  EXPECT_EQ(files.cursor().change, change);
  int copies = 0;
  for (const auto& dir : {out(), taken}) {
    for (const auto& f : Files(dir)) {
      EXPECT_NE(f[0], '.') << "a temp file stayed: " << f;
      if (f == final_name) {
        ++copies;
        EXPECT_EQ(Read(dir + "/" + f), "the change\n");
      }
    }
  }
  EXPECT_EQ(copies, 1);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, SubscriptionKillTest,
    ::testing::Values(KillPoint{SubscriptionFiles::StopAfter::kTempWritten, false},
                      KillPoint{SubscriptionFiles::StopAfter::kIntentRecorded, false},
                      KillPoint{SubscriptionFiles::StopAfter::kRenamed, false},
                      KillPoint{SubscriptionFiles::StopAfter::kRenamed, true},
                      KillPoint{SubscriptionFiles::StopAfter::kIntentRecorded, true}));

TEST_F(SubscriptionStateTest, StrayTempsOfThisSubscriptionGoOthersStay) {
  fs::create_directories(out());
  std::ofstream(out() + "/.certified-5-1.csv.tmp") << "half";
  std::ofstream(out() + "/.other-5-1.csv.tmp") << "not ours";
  std::ofstream(out() + "/certified-4-0.csv") << "taken later by the department";
  auto state = Open(state_dir());
  SubscriptionFiles files(*state, "certified", out());
  ASSERT_TRUE(files.Recover().ok());
  EXPECT_EQ(Files(out()), (std::vector<std::string>{".other-5-1.csv.tmp", "certified-4-0.csv"}));
}

TEST_F(SubscriptionStateTest, AnUnreadableRecordIsCorruptionNotAFreshStart) {
  {
    auto state = Open(state_dir());
    SubscriptionCursor bad;
    bad.fingerprint = "fp";
    bad.intent = FileIntent{"../escape", "x.csv", {1, 1}};
    ASSERT_TRUE(state->Store("certified", bad).ok());
  }
  auto state = Open(state_dir());
  auto c = state->Load("certified");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace kpihub::delivery
