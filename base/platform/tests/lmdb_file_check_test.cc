// CheckLmdbDataFile against real LMDB files: sound, missing, empty, truncated at every page
// boundary from the end down to two pages, and with a garbled meta page.
#include "kpihub/platform/lmdb_file_check.h"

#include <gtest/gtest.h>
#include <lmdb.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace kpihub::platform {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kpihub-platform-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An environment with enough records to span several pages.
void WriteEnvironment(const std::string& dir) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_mapsize(env, 16 << 20), 0);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  for (int i = 0; i < 2000; ++i) {
    std::string key = "key-" + std::to_string(100000 + i), value(40, 'v');
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  }
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST(LmdbFileCheck, SoundMissingAndEmptyFiles) {
  TempDir dir;
  EXPECT_EQ(CheckLmdbDataFile(dir.path() + "/data.mdb").kind, LmdbFileCheck::Kind::kMissing);
  WriteEnvironment(dir.path());
  LmdbFileCheck sound = CheckLmdbDataFile(dir.path() + "/data.mdb");
  EXPECT_EQ(sound.kind, LmdbFileCheck::Kind::kUsable) << sound.problem;
  EXPECT_GE(sound.file_bytes, sound.required_bytes);
  EXPECT_GT(sound.required_bytes, 8192u);
  std::ofstream(dir.path() + "/empty.mdb");
  EXPECT_EQ(CheckLmdbDataFile(dir.path() + "/empty.mdb").kind, LmdbFileCheck::Kind::kEmpty);
}

TEST(LmdbFileCheck, EveryTruncationIsRefusedWithTheSizes) {
  TempDir dir;
  WriteEnvironment(dir.path());
  const std::string data = dir.path() + "/data.mdb";
  const uint64_t required = CheckLmdbDataFile(data).required_bytes;
  const std::string copy = dir.path() + "/copy.mdb";
  int tested = 0;
  // From the last 4 KiB missing down to 8 KiB left, and cuts inside the meta pages.
  for (uint64_t size = required - 1; size >= 1; size = size > 8192 ? size - 4096 : size / 2) {
    fs::copy_file(data, copy, fs::copy_options::overwrite_existing);
    fs::resize_file(copy, size);
    LmdbFileCheck check = CheckLmdbDataFile(copy);
    EXPECT_EQ(check.kind, LmdbFileCheck::Kind::kDamaged) << "size " << size;
    EXPECT_NE(check.problem.find(copy), std::string::npos) << check.problem;
    ++tested;
  }
  EXPECT_GT(tested, 5);
}

TEST(LmdbFileCheck, GarbledMetaPageIsRefused) {
  TempDir dir;
  WriteEnvironment(dir.path());
  const std::string data = dir.path() + "/data.mdb";
  {
    std::fstream f(data, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 + 16);  // meta page 1's magic
    f.put('\x00');
  }
  LmdbFileCheck check = CheckLmdbDataFile(data);
  EXPECT_EQ(check.kind, LmdbFileCheck::Kind::kDamaged);
  EXPECT_NE(check.problem.find("meta page 1"), std::string::npos) << check.problem;
}

}  // namespace
}  // namespace kpihub::platform
