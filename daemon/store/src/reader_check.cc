// Store::CheckReaders: clearing the reader slots of dead processes, and how far the oldest
// open reader lags. LMDB runs mdb_reader_check only when asked; a process killed inside a
// read transaction (SIGKILL, OOM) otherwise pins its snapshot until the next open, and every
// commit meanwhile leaves pages that can never be reused.
#include "reader_check.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace kpihub::store {

Status Store::CheckReaders(ReaderReport* report) {
  *report = ReaderReport{};
  return Status::Ok();
}

namespace internal {
namespace {

struct ReaderList {
  uint32_t readers = 0;
  uint64_t oldest = UINT64_MAX;
};

// mdb_reader_list prints a header, then "pid thread txnid" per slot; a slot between
// transactions shows "-" as its txnid.
int CollectReader(const char* line, void* context) {
  auto* list = static_cast<ReaderList*>(context);
  char pid[32], thread[32], txnid[32];
  if (std::sscanf(line, "%31s %31s %31s", pid, thread, txnid) != 3) return 0;
  if (std::strcmp(pid, "pid") == 0 || std::strcmp(txnid, "-") == 0) return 0;
  char* end = nullptr;
  const unsigned long long id = std::strtoull(txnid, &end, 10);
  if (end == txnid) return 0;
  list->readers++;
  if (id < list->oldest) list->oldest = id;
  return 0;
}

}  // namespace

Status CheckReaderTable(MDB_env* env, ReaderReport* report) {
  *report = ReaderReport{};
  if (int rc = mdb_reader_check(env, &report->stale_cleared); rc != 0) {
    return LmdbError(rc, "mdb_reader_check");
  }
  ReaderList list;
  if (int rc = mdb_reader_list(env, CollectReader, &list); rc < 0) {
    return LmdbError(rc, "mdb_reader_list");
  }
  MDB_envinfo info;
  if (int rc = mdb_env_info(env, &info); rc != 0) return LmdbError(rc, "mdb_env_info");
  report->readers = list.readers;
  if (list.readers > 0 && info.me_last_txnid > list.oldest) {
    report->oldest_lag = info.me_last_txnid - list.oldest;
  }
  return Status::Ok();
}

}  // namespace internal
}  // namespace kpihub::store
