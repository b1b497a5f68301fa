#include "backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kpihub/platform/lmdb_file_check.h"
#include "kpihub/store/store.h"
#include "lmdb_env.h"

namespace kpihub::store {

Status Store::Backup(const std::string& dest_dir) {
  return Status::Error(Status::Code::kInvalidArgument, "this store cannot be backed up");
}

namespace internal {
namespace {

Status Errno(const std::string& what) {
  return Status::Error(Status::Code::kIoError, what + ": " + std::strerror(errno));
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + path);
}

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// The zeroed tail a damaged page cannot read past (platform::PadLmdbDataFile), for whoever
// opens or restores the backup.
Status PadCopy(const std::string& data_file) {
  const platform::LmdbFileCheck check = platform::CheckLmdbDataFile(data_file);
  const int fd = ::open(data_file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Errno("open " + data_file);
  const bool padded = platform::PadLmdbDataFile(fd, check.required_bytes);
  ::close(fd);
  return padded ? Status::Ok() : Errno("extend " + data_file);
}

}  // namespace

Status CopyEnvironment(MDB_env* env, const std::string& dest_dir, int* lmdb_rc) {
  std::string dest = dest_dir;
  while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
  *lmdb_rc = 0;
  struct stat st;
  if (::stat(dest.c_str(), &st) == 0) {
    return Status::Error(Status::Code::kInvalidArgument, dest + " already exists: back up into a new path");
  }
  const std::string partial = dest + ".partial";
  std::error_code ec;
  std::filesystem::remove_all(partial, ec);  // a copy interrupted earlier
  if (::mkdir(partial.c_str(), 0700) != 0) return Errno("mkdir " + partial);
  // LMDB copies inside its own read transaction: the copy is one consistent commit.
  *lmdb_rc = mdb_env_copy2(env, partial.c_str(), MDB_CP_COMPACT);
  if (const int rc = *lmdb_rc; rc != 0) {
    std::filesystem::remove_all(partial, ec);
    return LmdbError(rc, "copy to " + partial);
  }
  // The copy holds enterprise figures: private like the state, whatever the umask.
  Status s = ::chmod((partial + "/data.mdb").c_str(), 0600) == 0 ? Status::Ok()
                                                                   : Errno("chmod " + partial);
  if (s.ok()) s = PadCopy(partial + "/data.mdb");
  if (s.ok()) s = SyncPath(partial + "/data.mdb", O_RDONLY);
  if (s.ok()) s = SyncPath(partial, O_RDONLY | O_DIRECTORY);
  if (s.ok() && ::rename(partial.c_str(), dest.c_str()) != 0) s = Errno("rename to " + dest);
  if (s.ok()) s = SyncPath(ParentOf(dest), O_RDONLY | O_DIRECTORY);
  if (!s.ok()) std::filesystem::remove_all(partial, ec);
  return s;
}

}  // namespace internal
}  // namespace kpihub::store
