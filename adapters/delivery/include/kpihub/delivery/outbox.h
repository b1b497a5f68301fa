// Outbox: the adapter's durable queue of numbered batches, an LMDB environment in the
// adapter's own state directory. A batch is written (and synced) here before anything is sent;
// it leaves only when the daemon has acknowledged it. The next sequence number is stored in the
// same transaction as the batches it numbers, so sequences stay contiguous across restarts.
//
// Errors are sticky: after the first failed write the outbox refuses further writes (LMDB
// cannot tell what reached the disk), and the caller should stop.
//
// With several replicas (DurableSender's `replicas`) the outbox also keeps, per replica, the
// highest sequence it acknowledged, written in the same transaction as the removal of the
// batches every replica holding batches has acknowledged.
//
// Not thread-safe: one thread (the adapter's sending loop) owns an Outbox. Two processes must
// not share a state directory; Open takes an exclusive lock file to refuse that.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/core/observation.h"
#include "kpihub/core/period_state.h"
#include "kpihub/core/status.h"

struct MDB_txn;

namespace kpihub::delivery {

// One observation, or one period action (closing a year: submit, approve, reopen), and an
// opaque note about where it came from (the adapter program stores "file, row, column, value"
// there so that a rejection can be traced to its row). With `action` set the entry is that
// action and `observation` is unused.
struct OutboxEntry {
  core::Observation observation;
  std::string origin;
  std::optional<core::PeriodAction> action{};
};

struct StoredBatch {
  uint64_t sequence = 0;
  int64_t created_unix_ms = 0;
  std::vector<OutboxEntry> entries;
};

// What one replica of a pair has acknowledged, kept in the outbox.
struct ReplicaCursor {
  uint64_t acked = 0;                // the replica applied every sequence up to this one
  int64_t behind_since_unix_ms = 0;  // since when another replica has acked more; 0: not behind
  bool released = false;             // reported down: batches no longer wait for it
};

class Outbox {
 public:
  // Opens (creating if needed, mode 0700) the outbox in `dir`. Fails (kUnavailable) when
  // another process holds the directory.
  static Result<std::unique_ptr<Outbox>> Open(const std::string& dir);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Numbers `batches` next_sequence(), next_sequence()+1, ... and stores them with the new
  // next sequence in one synced transaction. Empty batches are stored too (they advance the
  // daemon's sequence like any other). On failure nothing was stored. `sequences` may be null.
  Status Append(const std::vector<std::vector<OutboxEntry>>& batches, int64_t now_unix_ms,
                std::vector<uint64_t>* sequences);

  // Sequences of the batches not yet acknowledged, ascending.
  Result<std::vector<uint64_t>> Pending() const;
  Result<StoredBatch> Load(uint64_t sequence) const;
  // Removes an acknowledged batch. Removing an absent sequence is not an error.
  Status Remove(uint64_t sequence);
  // Gives the pending batches the sequences first, first+1, ... in their order, and sets the
  // next sequence after them. Used when the daemon expects a sequence that the outbox no longer
  // holds (a refused frame did not consume its number, or the daemon's state was restored).
  Status Renumber(uint64_t first);

  // The replicas' cursors, by replica id (its server public key).
  Result<std::map<std::string, ReplicaCursor>> Cursors() const;
  // Stores `cursors` and removes every batch numbered up to `remove_through`, in one synced
  // transaction: a crash never leaves a batch removed that a cursor does not cover.
  Status Advance(const std::map<std::string, ReplicaCursor>& cursors, uint64_t remove_through);
  // Replaces batch `sequence` by an empty one (same number and time): its frame was refused
  // and must not be sent again, but every replica still has to consume its number.
  Status Empty(uint64_t sequence);

  // One more than the highest sequence ever assigned (1 for a new outbox).
  uint64_t next_sequence() const { return next_sequence_; }
  bool failed() const { return failed_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Env;
  Outbox(std::string dir, std::unique_ptr<Env> env, int lock_fd);
  Status CheckWritable() const;
  Status Fail(const std::string& what, const Status& cause);
  Status WriteOnce(const std::vector<std::vector<OutboxEntry>>& batches, int64_t now_unix_ms,
                   std::vector<uint64_t>* sequences);
  Status Commit(const std::string& what, const std::function<Status(MDB_txn*)>& write);
  Status MoveRecords(MDB_txn* txn, const std::vector<uint64_t>& pending, uint64_t first,
                     uint64_t* next);

  std::string dir_;
  std::unique_ptr<Env> env_;
  int lock_fd_ = -1;
  uint64_t next_sequence_ = 1;
  bool failed_ = false;
};

}  // namespace kpihub::delivery
