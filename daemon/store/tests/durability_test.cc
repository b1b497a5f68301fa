// Reopen, format version, read-only access beside a writer, snapshot isolation.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../src/codec.h"
#include "test_util.h"

namespace kpihub::store {
namespace {

using testing_util::Batch;
using testing_util::Obs;

std::string U32(uint32_t v) {
  internal::RecordWriter w;
  w.PutU32(v);
  return w.data();
}

TEST(DurabilityTest, ReopenKeepsEverything) {
  testing_util::TempDir dir;
  StoreOptions options = testing_util::Options(dir.Sub("nested/state"));
  options.no_sync = false;
  {
    auto store = testing_util::OpenStore(options);
    BatchToApply batch = Batch("a", 1, {Obs("x", "p1", "2020", "E1", 3), Obs("x", "p1", "2020", "E2", 4)});
    batch.rejected.push_back(testing_util::Rejected(2, core::RejectReason::kTooPrecise));
    testing_util::Apply(*store, {batch});
    testing_util::Apply(*store, {Batch("a", 2, {Obs("x", "p1", "2020", "E1", 5)})});
    ASSERT_TRUE(store->SetCatalogueFingerprint("fp").ok());
  }
  struct stat st;
  ASSERT_EQ(::stat(options.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);  // the state directory is private
  auto store = testing_util::OpenStore(options);
  EXPECT_EQ(testing_util::Observations(*store).size(), 2u);
  EXPECT_EQ(testing_util::Cells(*store)[0].sum, core::Decimal::FromInt(9));
  EXPECT_EQ(testing_util::Journal(*store).size(), 2u);
  EXPECT_EQ(testing_util::History(*store).size(), 3u);
  EXPECT_EQ(testing_util::DeadLetters(*store).size(), 1u);
  EXPECT_EQ(testing_util::Senders(*store)[0].last_sequence, 2u);
  // Sequences continue where they were; ids continue after the last one.
  const auto results = testing_util::Apply(*store, {Batch("a", 2, {}), Batch("a", 3, {})});
  EXPECT_EQ(results[0].outcome, BatchOutcome::kDuplicate);
  EXPECT_EQ(results[1].journal_id, 3u);
}

TEST(DurabilityTest, RefusesOtherFormatVersion) {
  testing_util::TempDir dir;
  const StoreOptions options = testing_util::Options(dir.path());
  testing_util::OpenStore(options);
  {
    testing_util::RawEnv raw(dir.path());
    raw.Put("meta", "format_version", U32(Store::kFormatVersion + 1));
  }
  std::unique_ptr<Store> store;
  Status s = Store::Open(options, &store);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
  EXPECT_EQ(store, nullptr);
  StoreOptions read_only = options;
  read_only.read_only = true;
  EXPECT_EQ(Store::Open(read_only, &store).code(), Status::Code::kCorruption);
  {
    testing_util::RawEnv raw(dir.path());
    raw.Put("meta", "format_version", "\x01");  // garbled
  }
  EXPECT_EQ(Store::Open(options, &store).code(), Status::Code::kCorruption);
  {
    testing_util::RawEnv raw(dir.path());
    raw.Put("meta", "format_version", U32(Store::kFormatVersion));
  }
  EXPECT_TRUE(Store::Open(options, &store).ok());
}

TEST(DurabilityTest, RefusesDataWithoutVersion) {
  testing_util::TempDir dir;
  {
    testing_util::RawEnv raw(dir.path());
    raw.Put("obs", "k", "v");
  }
  std::unique_ptr<Store> store;
  EXPECT_EQ(Store::Open(testing_util::Options(dir.path()), &store).code(),
            Status::Code::kCorruption);
}

TEST(DurabilityTest, OpenErrors) {
  testing_util::TempDir dir;
  std::unique_ptr<Store> store;
  StoreOptions options = testing_util::Options(dir.Sub("missing"));
  options.read_only = true;
  EXPECT_EQ(Store::Open(options, &store).code(), Status::Code::kNotFound);  // never created
  options.path = "";
  EXPECT_EQ(Store::Open(options, &store).code(), Status::Code::kInvalidArgument);
  options = testing_util::Options(dir.path());
  options.initial_map_bytes = options.max_map_bytes + 1;
  EXPECT_EQ(Store::Open(options, &store).code(), Status::Code::kInvalidArgument);
}

TEST(DurabilityTest, SnapshotDoesNotSeeLaterCommits) {
  testing_util::TempDir dir;
  auto store = testing_util::OpenStore(testing_util::Options(dir.path()));
  testing_util::Apply(*store, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  std::unique_ptr<Snapshot> before;
  ASSERT_TRUE(store->OpenSnapshot(&before).ok());
  testing_util::Apply(*store, {Batch("a", 2, {Obs("x", "p1", "2020", "E1", 2), Obs("x", "p1", "2020", "E2", 9)})});
  StoredObservation obs;
  ASSERT_TRUE(before->GetObservation({"x", "p1", "2020", "E1"}, &obs).ok());
  EXPECT_EQ(obs.value, core::Decimal::FromInt(1));
  EXPECT_EQ(before->GetObservation({"x", "p1", "2020", "E2"}, &obs).code(), Status::Code::kNotFound);
  int cells = 0;
  ASSERT_TRUE(before->ForEachCell([&](const core::Cell& c) {
    ++cells;
    EXPECT_EQ(c.sum, core::Decimal::FromInt(1));
  }).ok());
  EXPECT_EQ(cells, 1);
  int senders = 0;
  ASSERT_TRUE(before->ForEachSender([&](const SenderState& s) {
    ++senders;
    EXPECT_EQ(s.last_sequence, 1u);
  }).ok());
  EXPECT_EQ(senders, 1);
  before.reset();
  EXPECT_EQ(testing_util::Cells(*store)[0].sum, core::Decimal::FromInt(11));
}

// The read-only side runs in a child process (LMDB forbids opening an environment twice in
// one process). It checks what it sees and reports through its exit code.
int ReadOnlyChild(const std::string& path, int ready_fd, int go_fd) {
  StoreOptions options = testing_util::Options(path);
  options.read_only = true;
  std::unique_ptr<Store> store;
  if (!Store::Open(options, &store).ok()) return 10;
  std::unique_ptr<Snapshot> snapshot;
  if (!store->OpenSnapshot(&snapshot).ok()) return 11;
  StoredObservation obs;
  if (!snapshot->GetObservation({"x", "p1", "2020", "E1"}, &obs).ok()) return 12;
  snapshot.reset();
  std::vector<ApplyResult> results;
  if (store->ApplyGroup({Batch("ro", 1, {})}, &results).code() != Status::Code::kReadOnly) return 13;
  if (store->SetCatalogueFingerprint("x").code() != Status::Code::kReadOnly) return 14;
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) return 15;
  if (read(go_fd, &c, 1) != 1) return 16;
  // The writer has grown the map far past ours meanwhile: MDB_MAP_RESIZED is handled.
  Status s = store->OpenSnapshot(&snapshot);
  if (!s.ok()) return 17;
  if (snapshot->Stats().map_size_bytes <= (1u << 20)) return 21;  // adopted the new size
  uint64_t count = 0;
  if (!snapshot->ForEachObservation([&](const StoredObservation&) { ++count; }).ok()) return 18;
  if (count != 20001) return 19;
  std::vector<std::string> differences;
  snapshot.reset();
  if (!store->Verify(&differences).ok() || !differences.empty()) return 20;
  return 0;
}

TEST(DurabilityTest, ReadOnlyBesideWriter) {
  testing_util::TempDir dir;
  StoreOptions options = testing_util::Options(dir.path());
  options.initial_map_bytes = 1ull << 20;
  auto writer = testing_util::OpenStore(options);
  testing_util::Apply(*writer, {Batch("a", 1, {Obs("x", "p1", "2020", "E1", 1)})});
  int ready[2], go[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(ReadOnlyChild(dir.path(), ready[1], go[0]));
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  std::vector<core::ValidObservation> many;
  for (int i = 0; i < 20000; ++i) {
    many.push_back(Obs("y", "p1", "2020", "E" + std::to_string(i), i, std::string(100, 'n')));
  }
  testing_util::Apply(*writer, {Batch("a", 2, many)});
  EXPECT_GT(writer->Stats().map_size_bytes, 1ull << 20);
  ASSERT_EQ(write(go[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child check failed; see ReadOnlyChild's codes";
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
}

}  // namespace
}  // namespace kpihub::store
