#include "data_file_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace kpihub::store::internal {

DataFileIdentity::DataFileIdentity(MDB_env* env, std::string data_file)
    : data_file_(std::move(data_file)) {
  mdb_filehandle_t fd;
  struct stat st;
  if (mdb_env_get_fd(env, &fd) == 0 && ::fstat(fd, &st) == 0) {
    known_ = true;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

Status DataFileIdentity::Check() const {
  if (!known_) return Status::Ok();
  struct stat st;
  if (::stat(data_file_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    return Status::Ok();
  }
  const std::string now = ::stat(data_file_.c_str(), &st) == 0
                              ? "now names another file"
                              : std::string("is gone (") + std::strerror(errno) + ")";
  return Status::Error(Status::Code::kIoError,
                       "the data file this process opened is no longer at " + data_file_ +
                           ": the path " + now + " (moved or replaced while in use, e.g. by a "
                           "restore); nothing more is committed or acked");
}

}  // namespace kpihub::store::internal
