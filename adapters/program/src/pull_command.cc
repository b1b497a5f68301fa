// `kpihub-adapter pull`: receives a subscription's changes into files (docs/exchange.md,
// "Receiving changes (subscriptions)").
//
//   kpihub-adapter pull --key finance-read.key --server-key server.pub
//       --state-dir /var/lib/kpihub-adapter/finance --out /srv/finance/inbox/kpihub
//       --indicator hightech_certified --level enterprise [--format csv|jsonl]
//       [--encoding utf-8|gb18030] [--profile finance.toml] [--once]
//
// Exit codes: 0 stopped cleanly (SIGTERM/SIGINT, or caught up with --once); 1 bad
// configuration; 3 the daemon refused or ended the subscription (reason printed in Chinese
// and English); 4 no answer; 5 the state directory or the output directory failed.
#include "pull_command.h"

#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <regex>

#include "kpihub/feed/profile.h"
#include "kpihub/platform/file.h"
#include "kpihub/platform/journal.h"
#include "kpihub/wire/curve_keys.h"
#include "pull_run.h"

namespace kpihub::adapter {
std::string_view BuiltInCatalogueText();
namespace {

using platform::LogLine;
using platform::Priority;

std::atomic<bool> g_pull_stop{false};
void OnPullSignal(int) { g_pull_stop.store(true); }

client::QueryScope WithPageSize(uint32_t rows) {
  client::QueryScope scope;
  scope.page_size = rows;
  return scope;
}

struct PullArgs {
  std::string key, server_key, endpoint = "tcp://127.0.0.1:7731", state_dir, out, name;
  client::QueryScope scope = WithPageSize(1000);
  std::string format = "csv", encoding = "utf-8";
  std::string profile, catalogue;
  bool once = false;
  uint32_t window = 8;
  int keepalive_ms = 5000, silence_ms = 30000, answer_timeout_s = 30;
};

void AddOptions(CLI::App& app, PullArgs& a) {
  app.add_option("--key", a.key, "the department's reading key (secret key file)")->required();
  app.add_option("--server-key", a.server_key, "the daemon's public key file")->required();
  app.add_option("--endpoint", a.endpoint, "the daemon's exchange endpoint")->capture_default_str();
  app.add_option("--state-dir", a.state_dir, "where the subscription's cursor is kept")->required();
  app.add_option("--out", a.out, "directory the files are written to")->required();
  app.add_option("--name", a.name, "the subscription's name (default: its only indicator)");
  app.add_option("--indicator", a.scope.indicators, "indicator code (repeatable)")->required();
  app.add_option("--park", a.scope.parks, "park code (repeatable; default every park)");
  app.add_option("--from", a.scope.from, "first period, e.g. 2019, 2019Q1, 2019-01");
  app.add_option("--to", a.scope.to, "last period");
  app.add_option("--level", a.scope.level, "aggregate or enterprise")
      ->check(CLI::IsMember({"aggregate", "enterprise"}))->capture_default_str();
  app.add_option("--entity", a.scope.entities,
                 "with --level enterprise: only this credit code (repeatable)");
  app.add_option("--format", a.format, "csv or jsonl")->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  app.add_option("--encoding", a.encoding, "CSV encoding: utf-8 or gb18030")
      ->check(CLI::IsMember({"utf-8", "gb18030"}))->capture_default_str();
  app.add_option("--profile", a.profile, "the department's profile: its column names head the CSV");
  app.add_option("--catalogue", a.catalogue,
                 "catalogue file for --profile (default: the built-in one)");
  app.add_flag("--once", a.once, "stop once caught up");
  app.add_option("--page-size", a.scope.page_size, "most rows per file (1..1000)")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--window", a.window, "messages the daemon may send ahead (1..64)")
      ->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--keepalive-ms", a.keepalive_ms, "keep-alive interval")->capture_default_str();
  app.add_option("--silence-ms", a.silence_ms, "reconnect after this long without a message")
      ->capture_default_str();
  app.add_option("--answer-timeout", a.answer_timeout_s, "seconds to wait for the first answer")
      ->capture_default_str();
}

std::nullopt_t Refuse(const Status& s) {
  LogLine(Priority::kError, "kpihub-adapter pull: %s\n", s.message().c_str());
  return std::nullopt;
}

// The profile of --profile, checked against --catalogue or the built-in catalogue.
std::optional<feed::Profile> LoadPullProfile(const PullArgs& a) {
  const std::string source = a.catalogue.empty() ? "built-in catalogue" : a.catalogue;
  auto catalogue_text = a.catalogue.empty()
                            ? Result<std::string>(std::string(BuiltInCatalogueText()))
                            : platform::ReadRegularFile(a.catalogue);
  if (!catalogue_text.ok()) return Refuse(catalogue_text.status());
  auto catalogue = core::Catalogue::FromToml(*catalogue_text, source);
  if (!catalogue.ok()) return Refuse(catalogue.status());
  auto text = platform::ReadRegularFile(a.profile);
  if (!text.ok()) return Refuse(text.status());
  auto profile = feed::LoadProfile(*text, a.profile, **catalogue);
  if (!profile.ok()) return Refuse(profile.status());
  return std::move(profile).value();
}

// The options as a run's; false (and said why) when they do not make one.
bool BuildOptions(const PullArgs& a, PullOptions* o) {
  const auto& indicators = a.scope.indicators;
  o->name = a.name.empty() && indicators.size() == 1 ? indicators[0] : a.name;
  if (!std::regex_match(o->name, std::regex("[A-Za-z0-9_]{1,64}"))) {
    LogLine(Priority::kError, "kpihub-adapter pull: --name must be 1 to 64 letters, digits or _ "
            "(needed with several --indicator)\n");
    return false;
  }
  o->out_dir = a.out;
  o->state_dir = a.state_dir;
  o->query = client::ToRequest(a.scope);
  o->query.mode = wire::RequestMode::kSubscribe;
  o->consumer.endpoint = a.endpoint;
  if (Status keys = client::LoadReadingKeys(a.key, a.server_key, &o->consumer); !keys.ok()) {
    LogLine(Priority::kError, "kpihub-adapter pull: %s\n", keys.message().c_str());
    return false;
  }
  o->subscriber.window = a.window;
  o->subscriber.keepalive_ms = a.keepalive_ms;
  o->subscriber.silence_ms = a.silence_ms;
  o->once = a.once;
  o->answer_timeout_ms = a.answer_timeout_s * 1000;
  return true;
}

}  // namespace

int RunPullCommand(int argc, char** argv) {
  PullArgs a;
  CLI::App app{"kpihub-adapter pull: receive a subscription's changes into files"};
  app.name("kpihub-adapter pull");
  AddOptions(app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  if (!a.scope.entities.empty() && a.scope.level != "enterprise") {
    LogLine(Priority::kError, "kpihub-adapter pull: --entity needs --level enterprise\n");
    return 1;
  }
  PullOptions options;
  if (!BuildOptions(a, &options)) return 1;
  std::optional<feed::Profile> profile;
  if (!a.profile.empty() && !(profile = LoadPullProfile(a))) return 1;
  PullOutput output(a.format == "csv" ? PullFormat::kCsv : PullFormat::kJsonl,
                    a.encoding == "gb18030", options.query.level, a.scope.indicators,
                    profile ? &*profile : nullptr);
  struct sigaction sa {};
  sa.sa_handler = OnPullSignal;  // no SA_RESTART: the receive loop sees the stop promptly
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  zmq::context_t context(1);
  return RunPull(context, options, output, [] { return g_pull_stop.load(); });
}

}  // namespace kpihub::adapter
