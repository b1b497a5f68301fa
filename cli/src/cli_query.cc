// `kpihub query`: reads, with a department's reading key, what other departments share with
// it on the daemon's exchange socket (docs/exchange.md), every page at one data version.
// Credit codes are masked unless --entities is given: the output may be forwarded.
#include <cstdio>

#include "cli_commands.h"
#include "credit_code_mask.h"
#include "kpihub/client/consumer.h"

namespace kpihub::cli {
namespace {

struct QueryArgs {
  std::string endpoint = "tcp://127.0.0.1:7731";
  std::string server_key, key;
  client::QueryScope scope;
  bool csv = false, entities = false;
  int timeout_ms = 30000;
};

std::string Entity(const QueryArgs& args, const std::string& code) {
  return args.entities ? code : MaskCreditCodes(code);
}

// CSV fields are codes, decimals and credit codes: none holds a comma or a quote.
void PrintEnterprise(const QueryArgs& args, const client::QueryResult& r) {
  if (args.csv) std::printf("indicator,park,entity,period,value,changed_unix_ms,agreement\n");
  for (const auto& row : r.enterprise) {
    const std::string entity = Entity(args, row.entity);
    std::printf(args.csv ? "%s,%s,%s,%s,%s,%lld,%s\n" : "%-28s %-16s %-40s %-8s %18s %14lld %s\n",
                row.indicator.c_str(), row.park.c_str(), entity.c_str(), row.period.c_str(),
                row.value.c_str(), static_cast<long long>(row.changed_unix_ms),
                row.agreement.c_str());
  }
}

void PrintAggregate(const QueryArgs& args, const client::QueryResult& r) {
  if (args.csv) std::printf("indicator,park,period,value,withheld,entities,agreement\n");
  for (const auto& row : r.aggregate) {
    const char* value = row.withheld ? (args.csv ? "" : "不予公开") : row.value.c_str();
    std::printf(args.csv ? "%s,%s,%s,%s,%s,%u,%s\n" : "%-28s %-16s %-8s %18s %-8s %6u %s\n",
                row.indicator.c_str(), row.park.c_str(), row.period.c_str(), value,
                row.withheld ? "withheld" : (args.csv ? "" : "-"), row.entities,
                row.agreement.c_str());
  }
}

int RunQuery(const QueryArgs& args) {
  client::ConsumerOptions options;
  options.endpoint = args.endpoint;
  if (Status keys = client::LoadReadingKeys(args.key, args.server_key, &options); !keys.ok()) {
    std::fprintf(stderr, "kpihub query: %s\n", keys.message().c_str());
    return 1;
  }
  const wire::QueryRequest query = client::ToRequest(args.scope);
  zmq::context_t context(1);
  client::Consumer consumer(context, options);
  client::QueryResult result = consumer.Query(query, args.timeout_ms);
  if (result.timed_out) {
    std::fprintf(stderr, "kpihub query: %s from %s (daemon down, exchange_listen off, or the key "
                 "is not registered for reading)\n", result.detail.c_str(), args.endpoint.c_str());
    return 4;
  }
  if (!result.answered) {
    std::fprintf(stderr, "kpihub query: refused %s: %s\n",
                 std::string(wire::QueryRefusalName(result.reason)).c_str(), result.detail.c_str());
    return 3;
  }
  if (query.level == core::ShareLevel::kEnterprise) PrintEnterprise(args, result);
  else PrintAggregate(args, result);
  std::fprintf(args.csv ? stderr : stdout, "%zu rows in %u pages, data version %llu\n",
               result.enterprise.size() + result.aggregate.size(), result.pages,
               static_cast<unsigned long long>(result.as_of));
  return 0;
}

}  // namespace

CommandRunner AddQueryCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "query", "read what other departments share with yours (sharing agreements), with a "
               "reading key, from the daemon's exchange socket; exit 3 refused, 4 no answer");
  auto args = std::make_shared<QueryArgs>();
  cmd->add_option("--endpoint", args->endpoint, "exchange endpoint (exchange_listen)");
  cmd->add_option("--server-key", args->server_key, "daemon public key file")->required();
  cmd->add_option("--key", args->key, "this department's reading key (.key)")->required();
  cmd->add_option("--indicator", args->scope.indicators, "indicator code (repeatable)")->required();
  cmd->add_option("--park", args->scope.parks, "park code (repeatable; default every park)");
  cmd->add_option("--from", args->scope.from, "first period, e.g. 2019, 2019Q1, 2019-01");
  cmd->add_option("--to", args->scope.to, "last period");
  cmd->add_option("--level", args->scope.level, "aggregate (default) or enterprise")
      ->check(CLI::IsMember({"aggregate", "enterprise"}));
  cmd->add_option("--entity", args->scope.entities, "enterprise credit code (repeatable)");
  cmd->add_option("--page-size", args->scope.page_size, "rows per page (1..10000)");
  cmd->add_flag("--csv", args->csv, "CSV on stdout");
  cmd->add_flag("--entities", args->entities,
                "show enterprises' credit codes in full (masked otherwise)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "answer timeout per page");
  return [args] { return RunQuery(*args); };
}

}  // namespace kpihub::cli
