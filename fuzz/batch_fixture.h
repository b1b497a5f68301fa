// BatchFixture: what kpihubd's intake needs besides the frame — the shipped catalogue, a key
// registry with one adapter per department, the daemon's default decode limits and a fixed
// clock — set up once for the fuzzer and the corpus replay. Immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kpihub/core/live_config.h"
#include "kpihub/ingest/batch_intake.h"

namespace kpihub::fuzz {

class BatchFixture {
 public:
  BatchFixture();  // aborts if the shipped catalogue does not load

  const core::LiveConfig::View& view() const { return view_; }
  const wire::DecodeLimits& limits() const { return limits_; }
  const ingest::BatchIntake& intake() const { return intake_; }
  // The sender of an input of `size` bytes: every department gets its share of inputs
  // without the fuzzer spending input bytes on it.
  const ingest::Sender& SenderFor(size_t size) const { return senders_[(size / 8) % senders_.size()]; }
  const std::vector<ingest::Sender>& senders() const { return senders_; }
  // 2026-06-30T16:00:00Z (2026-07-01 00:00 in China): fixed, so a crash replays.
  int64_t now_ms() const { return 1782835200000; }

 private:
  core::LiveConfig::View view_;
  wire::DecodeLimits limits_;  // the daemon's defaults
  ingest::BatchIntake intake_{limits_};
  std::vector<ingest::Sender> senders_;
};

}  // namespace kpihub::fuzz
