// Promises about files the operator hands over, checked with the real binaries:
//  - security.md: `kpihub keygen NAME --out DIR` writes NAME.key 0600 and NAME.pub 0644
//    whatever the umask, and refuses to overwrite either (a refusal changes nothing);
//  - security.md, config/kpihubd.toml: a `metrics_basic_auth` file that is missing,
//    unreadable or has no ':' stops kpihubd at start with exit 1 (a configuration error,
//    operations.md) and a message naming the file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "kpihub/testing/child_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/temp_dir.h"
#include "kpihub/wire/curve_keys.h"

namespace kpihub::testing {
namespace {
namespace fs = std::filesystem;

constexpr int kExitConfig = 1;  // operations.md: a configuration error, not restarted

// The permission bits of `path` in octal ("0644"), or "missing".
std::string ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return text;
}

// `kpihub keygen NAME --out DIR` run under `umask`.
int Keygen(const std::string& umask, const std::string& dir, const std::string& name,
           std::string* output) {
  return RunCommand("umask " + umask + " && " + BinaryPath("kpihub") + " keygen " + name +
                        " --out " + dir,
                    output);
}

class PromisesKeygenModes : public ::testing::TestWithParam<const char*> {};

TEST_P(PromisesKeygenModes, SecretIs0600AndPublicIs0644WhateverTheUmask) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(Keygen(GetParam(), dir.path(), "tax-1", &out), 0) << out;
  const std::string key = dir.path() + "/tax-1.key", pub = dir.path() + "/tax-1.pub";
  EXPECT_EQ(ModeOf(key), "0600");
  EXPECT_EQ(ModeOf(pub), "0644");
  // The pair is usable as written: the .pub holds the public half of the .key.
  auto secret = wire::ReadKeyFile(key, true);
  auto shared = wire::ReadKeyFile(pub, false);
  ASSERT_TRUE(secret.ok()) << secret.status().message();
  ASSERT_TRUE(shared.ok()) << shared.status().message();
  EXPECT_EQ(secret->public_z85, shared->public_z85);
  EXPECT_TRUE(shared->secret_z85.empty());
}

std::string UmaskName(const ::testing::TestParamInfo<const char*>& info) {
  return std::string("Umask") + info.param;
}

INSTANTIATE_TEST_SUITE_P(Any, PromisesKeygenModes, ::testing::Values("000", "022", "077"),
                         UmaskName);

// Writes `text` to `path`.
void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST(PromisesKeygen, AnExistingKeyFileIsNeverOverwritten) {
  TempDir dir;
  const std::string key = dir.path() + "/tax-1.key", pub = dir.path() + "/tax-1.pub";
  WriteText(key, "an operator's secret key\n");
  ::chmod(key.c_str(), 0600);
  std::string out;
  EXPECT_NE(Keygen("022", dir.path(), "tax-1", &out), 0) << out;
  EXPECT_NE(out.find(key), std::string::npos) << "the refusal names the file: " << out;
  EXPECT_EQ(ReadWholeFile(key), "an operator's secret key\n");
  EXPECT_EQ(ModeOf(pub), "missing") << "a refusal writes nothing";
}

TEST(PromisesKeygen, AnExistingPublicFileIsNeverOverwrittenNorASecretLeftBeside) {
  TempDir dir;
  const std::string key = dir.path() + "/tax-1.key", pub = dir.path() + "/tax-1.pub";
  WriteText(pub, "the registered public key\n");
  std::string out;
  EXPECT_NE(Keygen("022", dir.path(), "tax-1", &out), 0) << out;
  EXPECT_NE(out.find(pub), std::string::npos) << "the refusal names the file: " << out;
  EXPECT_EQ(ReadWholeFile(pub), "the registered public key\n");
  // A secret key without its public half would make the next keygen refuse for a file the
  // operator never asked for.
  EXPECT_EQ(ModeOf(key), "missing") << "a refusal writes nothing";
}

// A daemon whose kpihubd.toml names `file` as its basic-auth file.
class PromisesBasicAuthFile : public ::testing::Test {
 protected:
  PromisesBasicAuthFile() : daemon_(std::vector<std::pair<std::string, std::string>>{{"tax-1", "tax"}}) {}

  // Starts the daemon with `metrics_basic_auth = path`; expects it to refuse, with exit 1
  // and `path` in its log.
  void ExpectRefusedAtStart(const std::string& path) {
    {
      std::ofstream config(daemon_.config_path(), std::ios::app);
      config << "metrics_basic_auth = \"" << path << "\"\n";
    }
    ASSERT_FALSE(daemon_.Start()) << daemon_.ReadLog();
    if (daemon_.running()) daemon_.WaitExit(20000);
    const int status = daemon_.last_wait_status();
    ASSERT_TRUE(WIFEXITED(status)) << "not an exit: wait status " << status;
    EXPECT_EQ(WEXITSTATUS(status), kExitConfig) << daemon_.ReadLog();
    const std::string log = daemon_.ReadLog();
    EXPECT_NE(log.find("metrics_basic_auth"), std::string::npos) << log;
    EXPECT_NE(log.find(path), std::string::npos) << "the message names the file: " << log;
    EXPECT_FALSE(fs::exists(daemon_.dir() + "/ready")) << "it never served";
  }

  DaemonHarness daemon_;
};

TEST_F(PromisesBasicAuthFile, MissingFileStopsTheDaemon) {
  ExpectRefusedAtStart(daemon_.dir() + "/no-such-auth-file");
}

TEST_F(PromisesBasicAuthFile, UnreadableFileStopsTheDaemon) {
  const std::string path = daemon_.dir() + "/metrics-auth";
  WriteText(path, "prom:s3cret\n");
  ::chmod(path.c_str(), 0);
  if (::geteuid() == 0) {
    // root reads a 0000 file; a directory in its place cannot be read as a file by anyone.
    fs::remove(path);
    fs::create_directory(path);
  }
  ExpectRefusedAtStart(path);
}

TEST_F(PromisesBasicAuthFile, FileWithoutColonStopsTheDaemon) {
  const std::string path = daemon_.dir() + "/metrics-auth";
  WriteText(path, "prom s3cret\n");
  ExpectRefusedAtStart(path);
}

TEST_F(PromisesBasicAuthFile, EmptyFileStopsTheDaemon) {
  const std::string path = daemon_.dir() + "/metrics-auth";
  WriteText(path, "");
  ExpectRefusedAtStart(path);
}

// The counterpart, so that the refusals above are not refusals of every basic-auth file.
TEST_F(PromisesBasicAuthFile, WellFormedFileIsTakenAndGuardsMetrics) {
  const std::string path = daemon_.dir() + "/metrics-auth";
  WriteText(path, "prom:s3cret\n");
  {
    std::ofstream config(daemon_.config_path(), std::ios::app);
    config << "metrics_basic_auth = \"" << path << "\"\n";
  }
  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  int status = 0;
  HttpGet(daemon_.metrics_port(), "/metrics", "", &status);
  EXPECT_EQ(status, 401);
  HttpGet(daemon_.metrics_port(), "/metrics", "cHJvbTpzM2NyZXQ=", &status);  // prom:s3cret
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace kpihub::testing
