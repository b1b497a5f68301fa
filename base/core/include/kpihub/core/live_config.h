// LiveConfig: the catalogue and key registry currently in force. Readers take a consistent
// pair of shared pointers; a reload (SIGHUP) swaps both at once, so a batch is always checked
// against one coherent configuration. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "kpihub/core/catalogue.h"
#include "kpihub/core/key_registry.h"

namespace kpihub::core {

class LiveConfig {
 public:
  struct View {
    std::shared_ptr<const Catalogue> catalogue;
    std::shared_ptr<const KeyRegistry> registry;
  };

  LiveConfig(std::shared_ptr<const Catalogue> catalogue,
             std::shared_ptr<const KeyRegistry> registry)
      : view_{std::move(catalogue), std::move(registry)} {}

  View Get() const {
    std::lock_guard lock(mutex_);
    return view_;
  }
  void Set(View view) {
    std::lock_guard lock(mutex_);
    view_ = std::move(view);
  }

 private:
  mutable std::mutex mutex_;
  View view_;
};

}  // namespace kpihub::core
