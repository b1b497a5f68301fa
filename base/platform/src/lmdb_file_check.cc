#include "kpihub/platform/lmdb_file_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kpihub::platform {
namespace {

// LMDB 0.9 on a 64-bit host (lmdb's mdb.c): a page starts with a 16-byte header (pgno,
// pad, flags, lower/upper); the meta page's MDB_meta follows it. Inside MDB_meta: magic u32
// at 0, version u32 at 4, address at 8, map size at 16, two MDB_db of 48 bytes from 24 (the
// free DB's md_pad, at 24, holds the page size), last page number at 120, txn id at 128.
constexpr size_t kPageHeader = 16;
constexpr uint16_t kPageFlagMeta = 0x08;
constexpr size_t kFlagsOffset = 10;
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr size_t kMagicOffset = kPageHeader + 0;
constexpr size_t kVersionOffset = kPageHeader + 4;
constexpr size_t kPageSizeOffset = kPageHeader + 24;
constexpr size_t kLastPageOffset = kPageHeader + 120;
constexpr size_t kTxnIdOffset = kPageHeader + 128;
constexpr size_t kMetaBytes = kTxnIdOffset + 8;

template <typename T>
T Load(const unsigned char* bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes + offset, sizeof v);
  return v;
}

struct Meta {
  uint32_t page_size = 0;
  uint64_t last_page = 0;
  uint64_t txn_id = 0;
};

// Reads and checks the meta page at `offset`; an empty string when it is sound.
std::string ReadMeta(int fd, uint64_t offset, int index, Meta* meta) {
  unsigned char page[kMetaBytes];
  const ssize_t got = ::pread(fd, page, sizeof page, static_cast<off_t>(offset));
  const std::string which = "meta page " + std::to_string(index);
  if (got < 0) return which + ": " + std::strerror(errno);
  if (static_cast<size_t>(got) < sizeof page) return which + " is cut short";
  if ((Load<uint16_t>(page, kFlagsOffset) & kPageFlagMeta) == 0) return which + " is not a meta page";
  if (Load<uint32_t>(page, kMagicOffset) != kMagic) return which + " has no LMDB magic number";
  if (Load<uint32_t>(page, kVersionOffset) != kDataVersion) {
    return which + " has LMDB data version " + std::to_string(Load<uint32_t>(page, kVersionOffset));
  }
  meta->page_size = Load<uint32_t>(page, kPageSizeOffset);
  meta->last_page = Load<uint64_t>(page, kLastPageOffset);
  meta->txn_id = Load<uint64_t>(page, kTxnIdOffset);
  const uint32_t ps = meta->page_size;
  if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0) {
    return which + " gives an impossible page size " + std::to_string(ps);
  }
  if (meta->last_page < 1 || meta->last_page > (uint64_t{1} << 40)) {
    return which + " gives an impossible last page " + std::to_string(meta->last_page);
  }
  return {};
}

LmdbFileCheck Damaged(const std::string& file, const std::string& what) {
  LmdbFileCheck check;
  check.kind = LmdbFileCheck::Kind::kDamaged;
  check.problem = file + " is damaged: " + what;
  return check;
}

}  // namespace

LmdbFileCheck CheckLmdbDataFile(const std::string& data_file) {
  LmdbFileCheck check;
  const int fd = ::open(data_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return check;  // kMissing
    return Damaged(data_file, std::string("cannot be read: ") + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Damaged(data_file, std::string("cannot be examined: ") + std::strerror(err));
  }
  check.file_bytes = static_cast<uint64_t>(st.st_size);
  if (st.st_size == 0) {
    ::close(fd);
    check.kind = LmdbFileCheck::Kind::kEmpty;
    return check;
  }
  Meta first, second;
  std::string problem = ReadMeta(fd, 0, 0, &first);
  if (problem.empty()) problem = ReadMeta(fd, first.page_size, 1, &second);
  ::close(fd);
  if (!problem.empty()) return Damaged(data_file, problem);
  if (second.page_size != first.page_size) return Damaged(data_file, "the meta pages disagree on the page size");
  const Meta& newest = second.txn_id > first.txn_id ? second : first;
  check.required_bytes = (newest.last_page + 1) * newest.page_size;
  if (check.file_bytes < check.required_bytes) {
    return Damaged(data_file, "truncated: it holds " + std::to_string(check.file_bytes) +
                                  " bytes but its meta pages reference " +
                                  std::to_string(check.required_bytes) +
                                  " (restore it from a backup: docs/operations.md)");
  }
  check.kind = LmdbFileCheck::Kind::kUsable;
  return check;
}

bool PadLmdbDataFile(int fd, uint64_t used_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  if (static_cast<uint64_t>(st.st_size) >= used_bytes + kLmdbTailPaddingBytes) return true;
  return ::ftruncate(fd, static_cast<off_t>(used_bytes + 2 * kLmdbTailPaddingBytes)) == 0;
}

}  // namespace kpihub::platform
