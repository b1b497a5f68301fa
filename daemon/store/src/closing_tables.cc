#include "closing_tables.h"

#include <cstdio>

namespace kpihub::store::internal {
namespace {

bool ValidState(uint8_t v) { return v <= static_cast<uint8_t>(core::PeriodState::kApproved); }
bool ValidAction(uint8_t v) { return v <= static_cast<uint8_t>(core::PeriodActionKind::kReopen); }

}  // namespace

std::string PeriodKey(std::string_view department, int year) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%04d", year % 10000);
  std::string key(department);
  key.push_back('\0');
  key.append(digits);
  return key;
}

std::string EncodePeriod(const PeriodRecord& record) {
  RecordWriter w;
  w.PutU8(static_cast<uint8_t>(record.state));
  w.PutString(record.submitted_by);
  w.PutI64(record.submitted_unix_ms);
  w.PutString(record.approved_by);
  w.PutI64(record.approved_unix_ms);
  w.PutU64(record.journal_id);
  return w.data();
}

bool DecodePeriod(std::string_view key, std::string_view value, PeriodRecord* out) {
  const size_t nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 5) return false;
  int year = 0;
  for (char c : key.substr(nul + 1)) {
    if (c < '0' || c > '9') return false;
    year = year * 10 + (c - '0');
  }
  RecordReader r(value);
  const uint8_t state = r.GetU8();
  out->department = std::string(key.substr(0, nul));
  out->year = year;
  out->state = static_cast<core::PeriodState>(state);
  out->submitted_by = r.GetString();
  out->submitted_unix_ms = r.GetI64();
  out->approved_by = r.GetString();
  out->approved_unix_ms = r.GetI64();
  out->journal_id = r.GetU64();
  return r.Done() && ValidState(state) && !out->department.empty();
}

std::string PeriodLogKey(uint64_t journal_id, uint32_t index) {
  return EncodeChangeKey(ChangeId{journal_id, index});
}

std::string EncodePeriodLog(const PeriodLogEntry& entry) {
  RecordWriter w;
  w.PutString(entry.department);
  w.PutU32(static_cast<uint32_t>(entry.year));
  w.PutU8(static_cast<uint8_t>(entry.action));
  w.PutU8(static_cast<uint8_t>(entry.from));
  w.PutU8(static_cast<uint8_t>(entry.to));
  w.PutString(entry.note);
  return w.data();
}

bool DecodePeriodLog(std::string_view key, std::string_view value, PeriodLogEntry* out) {
  ChangeId id;
  if (!DecodeChangeKey(key, &id) || id.none()) return false;
  RecordReader r(value);
  out->journal_id = id.journal_id;
  out->index = id.index;
  out->department = r.GetString();
  const uint32_t year = r.GetU32();
  const uint8_t action = r.GetU8(), from = r.GetU8(), to = r.GetU8();
  out->note = r.GetString();
  if (!r.Done() || year > 9999 || !ValidAction(action) || !ValidState(from) || !ValidState(to)) {
    return false;
  }
  out->year = static_cast<int>(year);
  out->action = static_cast<core::PeriodActionKind>(action);
  out->from = static_cast<core::PeriodState>(from);
  out->to = static_cast<core::PeriodState>(to);
  return true;
}

std::string EncodeRestatement(std::string_view reason) {
  RecordWriter w;
  w.PutString(reason);
  return w.data();
}

bool DecodeRestatement(std::string_view value, std::string* reason) {
  RecordReader r(value);
  *reason = r.GetString();
  return r.Done();
}

}  // namespace kpihub::store::internal
