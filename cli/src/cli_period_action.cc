// `kpihub submit|approve|reopen`: one period action for one department's year, sent as a batch
// without figures through the adapter client, authenticated by the sender's CURVE key like
// every writer. The daemon decides who may do what (core/period_state.h); this command only
// reports its answer. Resending is harmless: an action that changes nothing is accepted and
// leaves no trace, so after a timeout the same command is simply run again.
#include <chrono>
#include <cstdio>

#include "cli_closing.h"
#include "cli_commands.h"
#include "kpihub/client/pusher.h"
#include "kpihub/core/reason.h"

namespace kpihub::cli {
namespace {

// Exit codes (docs/operations.md, "Closing a year").
constexpr int kActionApplied = 0;
constexpr int kActionUnusable = 1;   // bad arguments or key files
constexpr int kActionUndelivered = 2;  // no answer: run it again
constexpr int kActionRefused = 3;    // the daemon refused the action

struct ActionArgs {
  core::PeriodActionKind kind = core::PeriodActionKind::kSubmit;
  std::string endpoint = "tcp://127.0.0.1:7730";
  std::string server_key;
  std::string key;
  int year = 0;
  std::string department;  // empty: the sender's own
  std::string note;
  int timeout_ms = 10000;
};

const char* VerbZh(core::PeriodActionKind kind) {
  switch (kind) {
    case core::PeriodActionKind::kSubmit: return "报送";
    case core::PeriodActionKind::kApprove: return "审定";
    case core::PeriodActionKind::kReopen: return "退回";
  }
  return "";
}

std::string Target(const ActionArgs& args) {
  return std::to_string(args.year) + (args.department.empty() ? "" : " of " + args.department);
}

int RunAction(const ActionArgs& args) {
  const std::string name(core::PeriodActionName(args.kind));
  auto server = wire::ReadKeyFile(args.server_key, false);
  auto client = wire::ReadKeyFile(args.key, true);
  if (!server.ok() || !client.ok()) {
    std::fprintf(stderr, "kpihub %s: %s\n", name.c_str(),
                 (server.ok() ? client.status() : server.status()).message().c_str());
    return kActionUnusable;
  }
  zmq::context_t context(1);
  client::Connection connection(context, {args.endpoint, server->public_z85, *client, 5000});
  client::PushOptions options;
  options.ack_timeout_ms = args.timeout_ms;
  options.sent_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  core::PeriodAction action{args.kind, args.department, std::to_string(args.year), args.note};
  client::ActionsSummary summary = client::PushActions(connection, {action}, options);
  if (summary.batch_refused) {  // an answer, not a lost message: resending would not help
    std::printf("%s %s: refused: %s\n", name.c_str(), Target(args).c_str(), summary.error.c_str());
    return kActionRefused;
  }
  if (!summary.delivered) {
    std::fprintf(stderr, "kpihub %s: not delivered: %s; running the same command again is safe\n",
                 name.c_str(), summary.error.c_str());
    return kActionUndelivered;
  }
  if (!summary.rejections.empty()) {
    const core::Rejection& r = summary.rejections.front();
    std::printf("%s %s: refused %s: %s\n  %s\n", name.c_str(), Target(args).c_str(),
                std::string(core::ReasonName(r.reason)).c_str(), r.detail.c_str(),
                PeriodRefusalZh(r.reason).c_str());
    return kActionRefused;
  }
  std::printf("%s %s: done (%s, batch seq %llu)\n", name.c_str(), Target(args).c_str(),
              VerbZh(args.kind), static_cast<unsigned long long>(summary.sequence));
  return kActionApplied;
}

CommandRunner AddActionCommand(CLI::App& app, core::PeriodActionKind kind, const char* help) {
  auto* cmd = app.add_subcommand(std::string(core::PeriodActionName(kind)), help);
  auto args = std::make_shared<ActionArgs>();
  args->kind = kind;
  cmd->add_option("--year", args->year, "the year, e.g. 2020 (it must have ended)")->required();
  cmd->add_option("--department", args->department,
                  "whose year, a department code (default: the key's own department; the office names one)");
  cmd->add_option("--note", args->note, "a note kept in the period log");
  cmd->add_option("--key", args->key, "the sender's secret key file")->required();
  cmd->add_option("--server-key", args->server_key, "daemon public key file")->required();
  cmd->add_option("--endpoint", args->endpoint, "daemon endpoint");
  cmd->add_option("--timeout-ms", args->timeout_ms, "ack timeout per attempt");
  cmd->footer(
      "Exit: 0 done (or it already was), 3 refused by the daemon (reason printed; also "
      "when the whole batch is refused), 2 not delivered (no answer: running the same command again is safe, a repeated action "
      "changes nothing), 1 bad arguments or key files.");
  return [args] { return RunAction(*args); };
}

}  // namespace

CommandRunner AddSubmitCommand(CLI::App& app) {
  return AddActionCommand(app, core::PeriodActionKind::kSubmit,
                          "submit a year (报送): the department's figures of it are complete; "
                          "they are locked until the office approves or sends the year back");
}

CommandRunner AddApproveCommand(CLI::App& app) {
  return AddActionCommand(app, core::PeriodActionKind::kApprove,
                          "approve a submitted year (审定; office key only): its figures become "
                          "正式数 and change from then on only as restatements");
}

CommandRunner AddReopenCommand(CLI::App& app) {
  return AddActionCommand(app, core::PeriodActionKind::kReopen,
                          "send a submitted year back to the department for correction (退回; "
                          "office key only); an approved year is never reopened");
}

}  // namespace kpihub::cli
