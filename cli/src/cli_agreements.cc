// `kpihub agreements`: the catalogue's sharing agreements (who may read which department's
// figures, at which level, for which clause), and whether each is in force on a day. Reads
// the catalogue only, so it runs without the daemon's state.
#include <chrono>
#include <cstdio>

#include "cli_commands.h"
#include "cli_format.h"
#include "cli_names.h"
#include "state_location.h"
#include "kpihub/core/sharing.h"

namespace kpihub::cli {
namespace {

struct AgreementsArgs {
  StateLocation where;
  std::string consumer;
  std::string provider;
  std::string at;  // "YYYY-MM-DD"; empty: today in the zone
  bool csv = false;
};

std::string DepartmentZh(const core::Catalogue& catalogue, const std::string& code) {
  const core::Department* d = catalogue.FindDepartment(code);
  return d != nullptr ? d->name_zh : code;
}

std::string IndicatorZh(const core::Catalogue& catalogue, const std::string& code) {
  const core::Indicator* i = catalogue.FindIndicator(code);
  return i != nullptr ? i->name_zh : code;
}

// `codes` joined by `separator`, each as itself or (`zh`) as its Chinese name.
template <typename Name>
std::string Join(const std::vector<std::string>& codes, const char* separator, Name name) {
  std::string out;
  for (const std::string& code : codes) {
    if (!out.empty()) out += separator;
    out += name(code);
  }
  return out;
}

std::string Validity(const core::SharingAgreement& a) {
  return core::FormatZoneDay(a.valid_from_day) + " 至 " +
         (a.valid_until_day ? core::FormatZoneDay(*a.valid_until_day) : std::string("长期"));
}

void PrintCsv(const core::Catalogue& catalogue, const core::SharingAgreement& a,
              core::AgreementState state) {
  auto zh_department = [&](const std::string& c) { return DepartmentZh(catalogue, c); };
  auto zh_indicator = [&](const std::string& c) { return IndicatorZh(catalogue, c); };
  auto code = [](const std::string& c) { return c; };
  std::printf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", a.code.c_str(),
              CsvField(a.name_zh).c_str(), a.provider.c_str(),
              CsvField(DepartmentZh(catalogue, a.provider)).c_str(),
              Join(a.consumers, ";", code).c_str(),
              CsvField(Join(a.consumers, ";", zh_department)).c_str(),
              std::string(core::ShareLevelName(a.level)).c_str(),
              std::string(core::ShareLevelZh(a.level)).c_str(),
              Join(a.indicators, ";", code).c_str(),
              CsvField(Join(a.indicators, ";", zh_indicator)).c_str(),
              CsvField(a.purpose_zh).c_str(), CsvField(a.clause).c_str(),
              core::FormatZoneDay(a.valid_from_day).c_str(),
              a.valid_until_day ? core::FormatZoneDay(*a.valid_until_day).c_str() : "",
              std::string(core::AgreementStateName(state)).c_str(),
              std::string(core::AgreementStateZh(state)).c_str());
}

void PrintText(const core::Catalogue& catalogue, const core::SharingAgreement& a,
               core::AgreementState state) {
  auto named_department = [&](const std::string& c) { return c + " " + DepartmentZh(catalogue, c); };
  auto named_indicator = [&](const std::string& c) { return c + " " + IndicatorZh(catalogue, c); };
  std::printf("%s %s  %s %s\n", PadRight(a.code, 34).c_str(), a.name_zh.c_str(),
              std::string(core::AgreementStateZh(state)).c_str(),
              std::string(core::AgreementStateName(state)).c_str());
  std::printf("  %s → %s\n", named_department(a.provider).c_str(),
              Join(a.consumers, ", ", named_department).c_str());
  std::printf("  %s %s: %s\n", std::string(core::ShareLevelZh(a.level)).c_str(),
              std::string(core::ShareLevelName(a.level)).c_str(),
              Join(a.indicators, ", ", named_indicator).c_str());
  std::printf("  用途 purpose: %s  [%s]\n", a.purpose_zh.c_str(), a.clause.c_str());
  std::printf("  有效期 valid: %s\n\n", Validity(a).c_str());
}

// The department typed for `option`, as its code; empty when not given. False: printed why.
bool ResolveFilter(const core::Catalogue& catalogue, const char* option, const std::string& typed,
                   std::string* code) {
  if (typed.empty()) return true;
  auto resolved = ResolveDepartment(catalogue, typed);
  if (!resolved.ok()) {
    std::fprintf(stderr, "kpihub agreements: %s: %s\n", option, resolved.status().message().c_str());
    return false;
  }
  *code = *resolved;
  return true;
}

int64_t Today() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return core::ZoneDayOf(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

int RunAgreements(const AgreementsArgs& args) {
  app::DaemonConfig config;
  if (!ResolveConfig(args.where, &config)) return 1;
  auto catalogue = app::LoadCatalogue(config.catalogue);
  if (!catalogue.ok()) {
    std::fprintf(stderr, "kpihub: catalogue: %s\n", catalogue.status().message().c_str());
    return 1;
  }
  const core::Catalogue& c = **catalogue;
  std::string consumer, provider;
  if (!ResolveFilter(c, "--consumer", args.consumer, &consumer) ||
      !ResolveFilter(c, "--provider", args.provider, &provider)) {
    return 1;
  }
  std::optional<int64_t> day = args.at.empty() ? Today() : core::ParseZoneDay(args.at);
  if (!day) {
    std::fprintf(stderr, "kpihub agreements: --at '%s': expected a day YYYY-MM-DD\n", args.at.c_str());
    return 1;
  }
  if (args.csv) {
    std::printf("agreement,name_zh,provider,provider_zh,consumers,consumers_zh,level,level_zh,"
                "indicators,indicators_zh,purpose_zh,clause,valid_from,valid_until,state,state_zh\n");
  } else {
    std::printf("Sharing agreements 共享协议 — on %s (UTC+8); without one, a department reads "
                "only its own figures\n\n", core::FormatZoneDay(*day).c_str());
  }
  for (const core::SharingAgreement& a : c.agreements()) {
    if (!consumer.empty() && !a.ListsConsumer(consumer)) continue;
    if (!provider.empty() && a.provider != provider) continue;
    if (args.csv) {
      PrintCsv(c, a, a.StateOn(*day));
    } else {
      PrintText(c, a, a.StateOn(*day));
    }
  }
  return 0;
}

}  // namespace

CommandRunner AddAgreementsCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "agreements", "the catalogue's sharing agreements: provider, consumers, level, purpose, "
                    "clause, validity (reads the catalogue only)");
  auto args = std::make_shared<AgreementsArgs>();
  cmd->add_option("-c,--config", args->where.config_path, "kpihubd configuration file");
  cmd->add_option("--catalogue", args->where.catalogue, "catalogue file (overrides the config)");
  cmd->add_option("--consumer", args->consumer,
                  "only agreements this department reads under (code or name)");
  cmd->add_option("--provider", args->provider, "only agreements this department provides under");
  cmd->add_option("--at", args->at, "in force on this day, YYYY-MM-DD (UTC+8; default today)");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  return [args] { return RunAgreements(*args); };
}

}  // namespace kpihub::cli
