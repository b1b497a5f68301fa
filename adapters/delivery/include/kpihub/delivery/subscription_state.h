// SubscriptionState: where a department's subscriptions (client/subscriber.h) stand, durably —
// an LMDB environment in the adapter's state directory holding, per subscription name, the
// last change id applied, the fingerprint of the query it was applied for (another query
// starts afresh with a snapshot), and at most one file-write intent.
//
// SubscriptionFiles writes each message's file exactly once across a crash at any point:
//   1. the output goes to a temp file `.<final>.tmp` in the output directory; it and the
//      directory are fsynced;
//   2. one transaction records the intent {temp, final, change id};
//   3. temp is renamed to final, the directory fsynced;
//   4. one transaction stores the change id and clears the intent.
// Recover() (on start) finishes an intent: its temp still there -> the rename had not
// happened, do it; temp gone -> it had, only the cursor is left. Temp files without an intent
// are deleted (step 2 never ran: the message comes again after the stored change id). The
// department's system may take final files away at any moment: nothing here looks at them.
//
// Errors are sticky like the outbox's. Not thread-safe: one thread owns a SubscriptionState;
// Open takes an exclusive lock file, so two processes never share one directory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kpihub/core/status.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::delivery {

struct FileIntent {
  std::string temp_name, final_name;  // plain names inside the output directory
  wire::ChangeId change;
};

struct SubscriptionCursor {
  wire::ChangeId change;               // {0,0}: nothing applied yet
  std::string fingerprint;             // "" for a subscription never stored
  std::optional<FileIntent> intent;
};

class SubscriptionState {
 public:
  // Opens (creating if needed, mode 0700) the state in `dir`. kUnavailable when another
  // process holds the directory.
  static Result<std::unique_ptr<SubscriptionState>> Open(const std::string& dir);
  ~SubscriptionState();
  SubscriptionState(const SubscriptionState&) = delete;
  SubscriptionState& operator=(const SubscriptionState&) = delete;

  // The stored cursor of `name`; a default one when there is none.
  Result<SubscriptionCursor> Load(const std::string& name) const;
  // Replaces the whole record of `name` in one synced transaction.
  Status Store(const std::string& name, const SubscriptionCursor& cursor);

  const std::string& dir() const { return dir_; }

 private:
  struct Env;
  SubscriptionState(std::string dir, std::unique_ptr<Env> env, int lock_fd);
  std::string dir_;
  std::unique_ptr<Env> env_;
  int lock_fd_ = -1;
  bool failed_ = false;
};

// The exactly-once file protocol above for one subscription's output directory.
class SubscriptionFiles {
 public:
  // Where Write stops early, for tests of a crash between the steps.
  enum class StopAfter { kNever, kTempWritten, kIntentRecorded, kRenamed };

  SubscriptionFiles(SubscriptionState& state, std::string name, std::string out_dir);

  // Finishes an intent left by a crash and deletes stray temp files of this subscription.
  // The cursor as it then stands.
  Result<SubscriptionCursor> Recover();
  // Starts afresh for a query with another fingerprint: cursor none, no intent.
  Status Reset(const std::string& fingerprint);
  // Writes `bytes` as `final_name` and stores `change`, per the protocol. With a StopAfter
  // hook set it returns kUnavailable at that step, leaving what a crash there would.
  Status Write(const std::string& final_name, const std::string& bytes, wire::ChangeId change);
  // Stores `change` without a file (a heartbeat).
  Status Advance(wire::ChangeId change);

  const SubscriptionCursor& cursor() const { return cursor_; }
  void set_stop_after(StopAfter s) { stop_after_ = s; }

 private:
  Status FinishIntent();
  SubscriptionState& state_;
  std::string name_, out_dir_;
  SubscriptionCursor cursor_;
  StopAfter stop_after_ = StopAfter::kNever;
};

}  // namespace kpihub::delivery
