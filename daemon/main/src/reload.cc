#include "reload.h"

namespace kpihub::app {

Result<core::LiveConfig::View> LoadView(const DaemonConfig& config) {
  auto catalogue = LoadCatalogue(config.catalogue);
  if (!catalogue.ok()) return catalogue.status().WithContext("catalogue refused");
  auto registry = LoadKeyRegistry(config.key_registry, **catalogue);
  if (!registry.ok()) return registry.status().WithContext("key registry refused");
  return core::LiveConfig::View{*catalogue, *registry};
}

std::function<void()> Reloader(const DaemonConfig& config, core::LiveConfig& live,
                               store::Store& store, ReloadReport& report, spdlog::logger& log) {
  return [&config, &live, &store, &report, &log] {
    auto fresh = LoadView(config);
    if (!fresh.ok()) {
      log.error("{}", fresh.status().message());
      log.error("reload refused, the configuration in force stays");
      report.Record(false, live.Get().registry->adapters().size(), fresh.status().message());
      return;
    }
    live.Set(*fresh);
    (void)store.SetCatalogueFingerprint(fresh->catalogue->fingerprint());
    log.info("reloaded catalogue ({} KPIs) and key registry ({} adapters)",
             fresh->catalogue->kpis().size(), fresh->registry->adapters().size());
    report.Record(true, fresh->registry->adapters().size(), "");
  };
}

}  // namespace kpihub::app
