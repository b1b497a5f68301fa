// The platform pieces over the real OS: file reading, the record codec's bounds, an LMDB
// environment in a private directory.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "kpihub/platform/file.h"
#include "kpihub/platform/lmdb.h"
#include "kpihub/platform/record_codec.h"
#include "kpihub/platform/system_clock.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::platform {
namespace {

TEST(FileTest, ReadsBytesAsTheyAreAndNamesAMissingFile) {
  kpihub::testing::TempDir dir;
  const std::string path = dir.path() + "/a.bin";
  std::ofstream(path, std::ios::binary) << std::string("x\r\n\0y", 5);
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, std::string("x\r\n\0y", 5));
  auto missing = ReadFile(dir.path() + "/none");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("/none"), std::string::npos);
}

// What an operator names as a configuration or key file: a FIFO, a directory or a device is
// refused at once (never blocked on or read without end), and so is a file over the limit.
TEST(FileTest, RegularFileReadRefusesAnythingElseAndTooLargeFiles) {
  kpihub::testing::TempDir dir;
  const std::string path = dir.path() + "/keys.toml";
  std::ofstream(path, std::ios::binary) << "abcdef";
  auto text = ReadRegularFile(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "abcdef");
  EXPECT_EQ(ReadRegularFile(path, 5).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ReadRegularFile(dir.path() + "/none").status().code(), Status::Code::kNotFound);
  const std::string fifo = dir.path() + "/fifo.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& odd : {fifo, dir.path(), std::string("/dev/zero")}) {
    auto refused = ReadRegularFile(odd);
    ASSERT_FALSE(refused.ok()) << odd;
    EXPECT_NE(refused.status().message().find("not a regular file"), std::string::npos)
        << refused.status().message();
  }
}

TEST(RecordCodecTest, RoundTripsAndRefusesShortOrLongRecords) {
  RecordWriter w;
  w.PutU32(7);
  w.PutString("park");
  w.PutF64(0.1 + 0.2);
  RecordReader r(w.data());
  EXPECT_EQ(r.GetU32(), 7u);
  EXPECT_EQ(r.GetString(), "park");
  EXPECT_EQ(r.GetF64(), 0.1 + 0.2);
  EXPECT_TRUE(r.Done());
  RecordReader short_record(std::string_view(w.data()).substr(0, 6));
  short_record.GetU32();
  short_record.GetString();
  EXPECT_FALSE(short_record.Done());
  const std::string longer = w.data() + "!";
  RecordReader long_record(longer);
  long_record.GetU32();
  long_record.GetString();
  long_record.GetF64();
  EXPECT_FALSE(long_record.Done());
  EXPECT_EQ(ReadBigEndian64(BigEndian64Key(0x0102030405060708ull)), 0x0102030405060708ull);
}

TEST(LmdbTest, OpensAPrivateEnvironmentAndKeepsWhatWasCommitted) {
  kpihub::testing::TempDir dir;
  LmdbEnvOptions options;
  options.path = dir.path() + "/env/";
  options.map_bytes = 1 << 20;
  MDB_env* env = nullptr;
  ASSERT_TRUE(OpenLmdbEnv(options, &env).ok());
  struct stat st;
  ASSERT_EQ(::stat((dir.path() + "/env").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  Txn txn;
  ASSERT_TRUE(Txn::Begin(env, 0, &txn).ok());
  MDB_dbi dbi = 0;
  ASSERT_EQ(mdb_dbi_open(txn.get(), "t", MDB_CREATE, &dbi), 0);
  ASSERT_TRUE(PutRecord(txn.get(), dbi, "k", "v").ok());
  ASSERT_TRUE(DeleteRecord(txn.get(), dbi, "absent").ok());
  ASSERT_EQ(txn.Commit(), 0);
  ASSERT_TRUE(Txn::Begin(env, MDB_RDONLY, &txn).ok());
  std::string_view value;
  bool found = false;
  ASSERT_TRUE(GetRecord(txn.get(), dbi, "k", &value, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(value, "v");
  txn.Abort();
  mdb_env_close(env);
  options.read_only = true;
  options.path = dir.path() + "/none";
  EXPECT_EQ(OpenLmdbEnv(options, &env).code(), Status::Code::kNotFound);
}

TEST(SystemClockTest, MonotonicTimeDoesNotGoBack) {
  SystemClock clock;
  const int64_t a = clock.NowSteadyMicros();
  EXPECT_LE(a, clock.NowSteadyMicros());
  EXPECT_GT(clock.NowUnixMillis(), 1600000000000);
}

}  // namespace
}  // namespace kpihub::platform
