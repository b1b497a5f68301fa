#include "record_seal.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>

namespace kpihub::store::internal {
namespace {

uint32_t Crc(uint32_t crc, std::string_view bytes) {
  // zlib takes a uInt length: feed long records in pieces.
  while (!bytes.empty()) {
    const size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    crc = static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()),
                                        static_cast<uInt>(n)));
    bytes.remove_prefix(n);
  }
  return crc;
}

}  // namespace

uint32_t RecordChecksum(std::string_view key, std::string_view value) {
  return Crc(Crc(static_cast<uint32_t>(::crc32(0, nullptr, 0)), key), value);
}

void Seal(std::string_view key, std::string* value) {
  const uint32_t crc = RecordChecksum(key, *value);
  for (int i = 0; i < 4; ++i) value->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

std::string Sealed(std::string_view key, std::string_view value) {
  std::string out(value);
  Seal(key, &out);
  return out;
}

bool Unseal(std::string_view key, std::string_view sealed, std::string_view* value) {
  if (sealed.size() < kSealBytes) return false;
  const std::string_view body = sealed.substr(0, sealed.size() - kSealBytes);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) {
    stored |= static_cast<uint32_t>(static_cast<unsigned char>(sealed[body.size() + i])) << (8 * i);
  }
  if (stored != RecordChecksum(key, body)) return false;
  *value = body;
  return true;
}

Status UnsealRecord(std::string_view table, std::string_view key, std::string_view sealed,
                    std::string_view* value) {
  if (Unseal(key, sealed, value)) return Status::Ok();
  return Status::Error(Status::Code::kCorruption,
                       "table " + std::string(table) +
                           ": record checksum mismatch (the data file is damaged; restore a "
                           "backup: docs/operations.md)");
}

namespace {

// The start of the mapping of the file with this device and inode at offset 0, or nullptr.
const char* FindMapping(dev_t dev, ino_t ino) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[8];
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &offset,
                    &major, &minor, &inode) != 7) {
      continue;
    }
    if (inode == ino && offset == 0 && makedev(major, minor) == dev) {
      return reinterpret_cast<const char*>(static_cast<uintptr_t>(start));
    }
  }
  return nullptr;
}

}  // namespace

namespace {

// Where an environment's map lies: written by whichever thread first sees a new map size, read
// by all; a stale pair is only ever replaced by a fresh one.
struct MapLocation {
  std::mutex mu;
  size_t map_size = 0;
  const char* begin = nullptr;
};

}  // namespace

void RecordBounds::AttachMapLocation(MDB_env* env) { mdb_env_set_userctx(env, new MapLocation); }

void RecordBounds::DetachMapLocation(MDB_env* env) {
  delete static_cast<MapLocation*>(mdb_env_get_userctx(env));
  mdb_env_set_userctx(env, nullptr);
}

RecordBounds RecordBounds::For(MDB_env* env) {
  RecordBounds bounds;
  auto* where = static_cast<MapLocation*>(mdb_env_get_userctx(env));
  MDB_envinfo info;
  MDB_stat st;
  if (where == nullptr || mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &st) != 0) {
    return bounds;  // unknown: nothing can be checked
  }
  {
    std::lock_guard lock(where->mu);
    if (where->map_size != info.me_mapsize || where->begin == nullptr) {
      mdb_filehandle_t fd;
      struct stat file;
      where->begin = nullptr;
      if (mdb_env_get_fd(env, &fd) == 0 && ::fstat(fd, &file) == 0) {
        where->begin = FindMapping(file.st_dev, file.st_ino);
      }
      where->map_size = info.me_mapsize;
    }
    bounds.map_begin_ = where->begin;
  }
  if (bounds.map_begin_ == nullptr) return bounds;
  bounds.map_end_ = bounds.map_begin_ + info.me_mapsize;
  const uint64_t used = std::min<uint64_t>((info.me_last_pgno + 1) * st.ms_psize, info.me_mapsize);
  bounds.used_end_ = bounds.map_begin_ + used;
  return bounds;
}

bool RecordBounds::Inside(const MDB_val& v) const {
  const char* p = static_cast<const char*>(v.mv_data);
  if (map_begin_ == nullptr || p < map_begin_ || p >= map_end_) return true;  // not in the map
  return v.mv_size <= static_cast<size_t>(used_end_ - p) && p <= used_end_;
}

bool RecordBounds::Contains(const MDB_val& key, const MDB_val& value) const {
  return Inside(key) && Inside(value);
}

}  // namespace kpihub::store::internal
