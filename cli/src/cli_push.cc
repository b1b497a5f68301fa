#include <chrono>
#include <cstdio>
#include <map>

#include "cli_commands.h"
#include "kpihub/client/pusher.h"
#include "kpihub/core/reason.h"
#include "kpihub/platform/file.h"
#include "observation_csv.h"

namespace kpihub::cli {
namespace {

struct PushArgs {
  std::string endpoint = "tcp://127.0.0.1:7730";
  std::string server_key;  // .pub or .key file of the daemon
  std::string key;         // the adapter's .key file
  std::string file;
  size_t batch_size = 500;
  int timeout_ms = 10000;
};

// The daemon's public key, the adapter's key pair and the CSV's text.
struct PushInputs {
  wire::CurveKeyPair server, client;
  std::string text;
};

Result<PushInputs> ReadInputs(const PushArgs& args) {
  auto server = wire::ReadKeyFile(args.server_key, false);
  if (!server.ok()) return server.status();
  auto client = wire::ReadKeyFile(args.key, true);
  if (!client.ok()) return client.status();
  auto text = platform::ReadRegularFile(args.file);
  if (!text.ok()) return text.status();
  return PushInputs{*std::move(server), *std::move(client), *std::move(text)};
}

int RunPush(const PushArgs& args) {
  Result<PushInputs> inputs = ReadInputs(args);
  if (!inputs.ok()) {
    std::fprintf(stderr, "kpihub push: %s\n", inputs.status().message().c_str());
    return 1;
  }
  const PushInputs& in = *inputs;
  ObservationCsv csv = ParseObservationCsv(in.text);
  for (const auto& e : csv.errors) {
    std::fprintf(stderr, "%s:%zu:%zu: %s\n", args.file.c_str(), e.row, e.column, e.message.c_str());
  }
  zmq::context_t context(1);
  client::Connection connection(context, {args.endpoint, in.server.public_z85, in.client, 5000});
  client::PushOptions options;
  options.batch_size = args.batch_size;
  options.ack_timeout_ms = args.timeout_ms;
  options.sent_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  client::PushSummary summary = client::Push(connection, csv.observations, options);
  std::map<std::string, int> by_reason;
  for (const auto& r : summary.rejections) {
    by_reason[std::string(core::ReasonName(r.reason))]++;
    std::fprintf(stderr, "%s:%zu: rejected %s: %s\n", args.file.c_str(), csv.rows[r.index],
                 std::string(core::ReasonName(r.reason)).c_str(), r.detail.c_str());
  }
  std::printf("%s: %zu rows read, %llu sent in %llu batches (seq %llu..%llu), %llu rejected by "
              "the daemon, %zu unreadable rows\n",
              args.file.c_str(), csv.observations.size() + csv.errors.size(),
              static_cast<unsigned long long>(summary.observations_sent),
              static_cast<unsigned long long>(summary.batches_acked),
              static_cast<unsigned long long>(summary.first_sequence),
              static_cast<unsigned long long>(summary.last_sequence),
              static_cast<unsigned long long>(summary.observations_rejected), csv.errors.size());
  for (const auto& [reason, n] : by_reason) std::printf("  rejected %-24s %d\n", reason.c_str(), n);
  if (!summary.complete) {
    std::fprintf(stderr, "kpihub push: incomplete: %s\n", summary.error.c_str());
    return 2;
  }
  return 0;
}

}  // namespace

CommandRunner AddPushCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "push", "send a canonical observation CSV (indicator,park,entity,period,value[,note][,restatement]; "
      "a restatement column gives the reason for changing a figure of an approved year)");
  auto args = std::make_shared<PushArgs>();
  cmd->add_option("--endpoint", args->endpoint, "daemon endpoint");
  cmd->add_option("--server-key", args->server_key, "daemon public key file")->required();
  cmd->add_option("--key", args->key, "this adapter's secret key file")->required();
  cmd->add_option("--batch-size", args->batch_size, "observations per batch");
  cmd->add_option("--timeout-ms", args->timeout_ms, "ack timeout per batch");
  cmd->add_option("file", args->file, "CSV file")->required();
  return [args] { return RunPush(*args); };
}

}  // namespace kpihub::cli
