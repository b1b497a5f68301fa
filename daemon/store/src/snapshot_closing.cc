// LmdbSnapshot's readers of the closing tables (closing_tables.h).
#include "closing_tables.h"
#include "snapshot.h"

#include <tuple>

namespace kpihub::store::internal {

Status LmdbSnapshot::ForEachPeriod(const std::function<void(const PeriodRecord&)>& fn) {
  if (!tables_.closing) return Status::Ok();
  PeriodRecord record;
  return ScanPrefix(txn_.get(), tables_.periods, "",
                    [&](std::string_view key, std::string_view value) {
                      if (!DecodePeriod(key, value, &record)) {
                        return Corrupt("periods", "undecodable record");
                      }
                      fn(record);
                      return Status::Ok();
                    });
}

Status LmdbSnapshot::ForEachPeriodLog(const std::function<void(const PeriodLogEntry&)>& fn) {
  if (!tables_.closing) return Status::Ok();
  JournalEntry batch;
  PeriodLogEntry entry;
  return ScanPrefix(txn_.get(), tables_.period_log, "",
                    [&](std::string_view key, std::string_view value) {
                      if (!DecodePeriodLog(key, value, &entry)) {
                        return Corrupt("period_log", "undecodable record");
                      }
                      if (Status s = LoadJournal(entry.journal_id, "period_log", &batch); !s.ok()) {
                        return s;
                      }
                      entry.adapter = batch.adapter;
                      entry.sender_department = batch.department;
                      entry.unix_ms = batch.received_unix_ms;
                      fn(entry);
                      return Status::Ok();
                    });
}

Status LmdbSnapshot::ForEachRestatement(const std::function<void(const Restatement&)>& fn) {
  if (!tables_.closing) return Status::Ok();
  JournalEntry batch;
  Restatement restatement;
  return ScanPrefix(txn_.get(), tables_.restatements, "",
                    [&](std::string_view key, std::string_view value) {
                      if (!DecodeRestatement(value, &restatement.reason)) {
                        return Corrupt("restatements", "undecodable record");
                      }
                      std::string_view change;
                      bool found = false;
                      Status s = GetRecord(txn_.get(), tables_.changes, key, &change, &found);
                      if (!s.ok()) return s;
                      if (!found) return Corrupt("restatements", "a restatement without its change");
                      ChangeId previous;
                      if (!DecodeHistory(key, change, &restatement.change, &previous)) {
                        return Corrupt("changes", "undecodable record");
                      }
                      if (Status p = AddProvenance(&restatement.change, &batch); !p.ok()) return p;
                      fn(restatement);
                      return Status::Ok();
                    });
}

}  // namespace kpihub::store::internal

namespace kpihub::store::internal {
namespace {

std::string YearName(const std::string& department, int year) {
  return "period " + department + " " + std::to_string(year);
}

}  // namespace

Status LmdbSnapshot::VerifyClosing(std::vector<std::string>* differences) {
  if (!tables_.closing) return Status::Ok();
  core::PeriodStates replayed;
  uint64_t log_entries = 0;
  Status s = ForEachPeriodLog([&](const PeriodLogEntry& e) {
    ++log_entries;
    const core::PeriodState before = core::StateOf(replayed, e.department, e.year);
    const std::optional<core::PeriodState> next = core::NextPeriodState(e.action, e.from);
    if (e.from != before || !next || *next != e.to) {
      differences->push_back(YearName(e.department, e.year) + ": log entry of batch " +
                             std::to_string(e.journal_id) + " goes from " +
                             std::string(core::PeriodStateName(e.from)) + " to " +
                             std::string(core::PeriodStateName(e.to)) + " by " +
                             std::string(core::PeriodActionName(e.action)) + ", the year was " +
                             std::string(core::PeriodStateName(before)));
    }
    replayed[{e.department, e.year}] = e.to;
  });
  if (!s.ok()) return s;
  s = ForEachPeriod([&](const PeriodRecord& p) {
    auto it = replayed.find({p.department, p.year});
    const core::PeriodState logged = it == replayed.end() ? core::PeriodState::kOpen : it->second;
    if (logged != p.state) {
      differences->push_back(YearName(p.department, p.year) + ": stored " +
                             std::string(core::PeriodStateName(p.state)) + ", its log leads to " +
                             std::string(core::PeriodStateName(logged)));
    }
    if (it != replayed.end()) replayed.erase(it);
  });
  if (!s.ok()) return s;
  for (const auto& [year, state] : replayed) {
    differences->push_back(YearName(year.first, year.second) + ": logged as " +
                           std::string(core::PeriodStateName(state)) + ", no stored state");
  }
  uint64_t restatements = 0;
  s = ForEachRestatement([&](const Restatement&) { ++restatements; });
  if (!s.ok()) return s;
  MDB_stat st;
  for (const auto& [name, dbi, found] :
       {std::tuple<const char*, MDB_dbi, uint64_t>{"period_log", tables_.period_log, log_entries},
        {"restatements", tables_.restatements, restatements}}) {
    if (mdb_stat(txn_.get(), dbi, &st) == 0 && st.ms_entries != found) {
      differences->push_back("table " + std::string(name) + ": " + std::to_string(found) +
                             " records read, its header says " + std::to_string(st.ms_entries));
    }
  }
  return Status::Ok();
}

}  // namespace kpihub::store::internal
