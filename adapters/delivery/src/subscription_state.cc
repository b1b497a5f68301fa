#include "kpihub/delivery/subscription_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <vector>

#include "kpihub/platform/lmdb.h"
#include "kpihub/platform/lmdb_file_check.h"
#include "state_dir.h"

namespace kpihub::delivery {
namespace {

using platform::Txn;

constexpr size_t kMapBytes = size_t{64} << 20;  // a few records per subscription
constexpr char kRecordVersion[] = "v1";

// One line of tab-separated fields; names and fingerprints never hold a tab or newline.
std::string Encode(const SubscriptionCursor& c) {
  std::ostringstream out;
  out << kRecordVersion << '\t' << c.change.journal << '\t' << c.change.index << '\t'
      << c.fingerprint;
  if (c.intent) {
    out << '\t' << c.intent->temp_name << '\t' << c.intent->final_name << '\t'
        << c.intent->change.journal << '\t' << c.intent->change.index;
  }
  return out.str();
}

std::vector<std::string> SplitTabs(std::string_view text) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t tab = text.find('\t', start);
    fields.emplace_back(text.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

bool ParseNumber(const std::string& text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

bool ParseChange(const std::string& journal, const std::string& index, wire::ChangeId* out) {
  uint64_t j = 0, i = 0;
  if (!ParseNumber(journal, UINT64_MAX, &j) || !ParseNumber(index, UINT32_MAX, &i)) return false;
  *out = {j, static_cast<uint32_t>(i)};
  return true;
}

Result<SubscriptionCursor> Decode(std::string_view value, const std::string& name) {
  auto f = SplitTabs(value);
  SubscriptionCursor c;
  const bool shape = (f.size() == 4 || f.size() == 8) && f[0] == kRecordVersion;
  bool ok = shape && ParseChange(f[1], f[2], &c.change);
  if (ok) c.fingerprint = f[3];
  if (ok && f.size() == 8) {
    FileIntent intent{f[4], f[5], {}};
    ok = ParseChange(f[6], f[7], &intent.change) && !intent.temp_name.empty() &&
         intent.temp_name.find('/') == std::string::npos &&
         intent.final_name.find('/') == std::string::npos;
    c.intent = std::move(intent);
  }
  if (!ok) return Status::Corruption("subscription " + name + ": unreadable state record");
  return c;
}

Status SyncPath(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError(path + ": fsync: " + std::strerror(err));
}

Status SyncDir(const std::string& dir) { return SyncPath(dir, O_RDONLY | O_DIRECTORY); }

Status WriteSynced(const std::string& path, const std::string& bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IoError(path + ": write: " + std::strerror(errno));
      close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError(path + ": fsync: " + std::strerror(err));
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::string TempNameFor(const std::string& final_name) { return "." + final_name + ".tmp"; }

}  // namespace

struct SubscriptionState::Env {
  MDB_env* env = nullptr;
  MDB_dbi cursors = 0;
  ~Env() { if (env) mdb_env_close(env); }
};

SubscriptionState::SubscriptionState(std::string dir, std::unique_ptr<Env> env, int lock_fd)
    : dir_(std::move(dir)), env_(std::move(env)), lock_fd_(lock_fd) {}

SubscriptionState::~SubscriptionState() {
  env_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

Result<std::unique_ptr<SubscriptionState>> SubscriptionState::Open(const std::string& dir) {
  Result<int> lock_fd = internal::LockAndCheckStateDir(
      dir, "subscriptions.lock", "subscription state",
      "damaged; move it aside to start every subscription afresh with a snapshot");
  if (!lock_fd.ok()) return lock_fd.status();
  auto env = std::make_unique<Env>();
  platform::LmdbEnvOptions options;
  options.path = dir;
  options.max_dbs = 2;
  options.map_bytes = kMapBytes;
  Status s = platform::OpenLmdbEnv(options, &env->env);
  if (s.ok()) {
    Txn txn;
    s = Txn::Begin(env->env, 0, &txn);
    int rc = s.ok() ? mdb_dbi_open(txn.get(), "cursors", MDB_CREATE, &env->cursors) : 0;
    if (s.ok() && rc == 0) rc = txn.Commit();
    if (s.ok() && rc != 0) s = platform::LmdbError(rc, "open the cursor table");
  }
  if (!s.ok()) {
    close(*lock_fd);
    return s.WithContext(dir + ": cannot open the subscription state");
  }
  return std::unique_ptr<SubscriptionState>(new SubscriptionState(dir, std::move(env), *lock_fd));
}

Result<SubscriptionCursor> SubscriptionState::Load(const std::string& name) const {
  Txn txn;
  if (Status s = Txn::Begin(env_->env, MDB_RDONLY, &txn); !s.ok()) return s;
  std::string_view value;
  bool found = false;
  if (Status s = platform::GetRecord(txn.get(), env_->cursors, name, &value, &found); !s.ok()) {
    return s;
  }
  if (!found) return SubscriptionCursor{};
  return Decode(value, name);
}

Status SubscriptionState::Store(const std::string& name, const SubscriptionCursor& cursor) {
  if (failed_) {
    return Status::Error(Status::Code::kReadOnly,
                         dir_ + ": subscription state refused writes after an earlier failure");
  }
  Txn txn;
  Status s = Txn::Begin(env_->env, 0, &txn);
  if (s.ok()) s = platform::PutRecord(txn.get(), env_->cursors, name, Encode(cursor));
  if (s.ok()) {
    if (int rc = txn.Commit(); rc != 0) s = platform::LmdbWriteError(rc, "commit");
  }
  if (!s.ok()) failed_ = true;  // LMDB cannot tell what reached the disk
  return s.ok() ? s : s.WithContext(dir_ + ": subscription " + name);
}

SubscriptionFiles::SubscriptionFiles(SubscriptionState& state, std::string name,
                                     std::string out_dir)
    : state_(state), name_(std::move(name)), out_dir_(std::move(out_dir)) {}

Status SubscriptionFiles::FinishIntent() {
  const FileIntent& intent = *cursor_.intent;
  const std::string temp = out_dir_ + "/" + intent.temp_name;
  if (Exists(temp)) {
    if (std::rename(temp.c_str(), (out_dir_ + "/" + intent.final_name).c_str()) != 0) {
      return Status::IoError(temp + ": rename: " + std::strerror(errno));
    }
    if (Status s = SyncDir(out_dir_); !s.ok()) return s;
  }
  if (stop_after_ == StopAfter::kRenamed) return Status::Unavailable("stopped after the rename");
  SubscriptionCursor next = cursor_;
  next.change = intent.change;
  next.intent.reset();
  if (Status s = state_.Store(name_, next); !s.ok()) return s;
  cursor_ = std::move(next);
  return Status::Ok();
}

Result<SubscriptionCursor> SubscriptionFiles::Recover() {
  auto loaded = state_.Load(name_);
  if (!loaded.ok()) return loaded.status();
  cursor_ = *std::move(loaded);
  std::error_code ec;
  std::filesystem::create_directories(out_dir_, ec);
  if (ec) return Status::IoError(out_dir_ + ": " + ec.message());
  if (cursor_.intent) {
    if (Status s = FinishIntent(); !s.ok()) return s;
  }
  // Temps of this subscription that no intent names: step 2 never ran for them.
  const std::string prefix = "." + name_ + "-";
  for (const auto& entry : std::filesystem::directory_iterator(out_dir_, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) == 0 && file.size() > 4 && file.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (ec) return Status::IoError(out_dir_ + ": " + ec.message());
  return cursor_;
}

Status SubscriptionFiles::Reset(const std::string& fingerprint) {
  SubscriptionCursor fresh;
  fresh.fingerprint = fingerprint;
  if (Status s = state_.Store(name_, fresh); !s.ok()) return s;
  cursor_ = std::move(fresh);
  return Status::Ok();
}

Status SubscriptionFiles::Write(const std::string& final_name, const std::string& bytes,
                                wire::ChangeId change) {
  const std::string temp_name = TempNameFor(final_name);
  Status s = WriteSynced(out_dir_ + "/" + temp_name, bytes);
  if (s.ok()) s = SyncDir(out_dir_);
  if (!s.ok()) return s;
  if (stop_after_ == StopAfter::kTempWritten) return Status::Unavailable("stopped after the temp");
  SubscriptionCursor with_intent = cursor_;
  with_intent.intent = FileIntent{temp_name, final_name, change};
  if (s = state_.Store(name_, with_intent); !s.ok()) return s;
  cursor_ = std::move(with_intent);
  if (stop_after_ == StopAfter::kIntentRecorded) {
    return Status::Unavailable("stopped after the intent");
  }
  return FinishIntent();
}

Status SubscriptionFiles::Advance(wire::ChangeId change) {
  if (change == cursor_.change) return Status::Ok();
  SubscriptionCursor next = cursor_;
  next.change = change;
  if (Status s = state_.Store(name_, next); !s.ok()) return s;
  cursor_ = std::move(next);
  return Status::Ok();
}

}  // namespace kpihub::delivery
