// `kpihub audit`: the trail of reads other departments made through the query protocol, oldest
// first: when, which key of which department, whose data under which agreement, what was
// asked, how many rows, and the outcome (a refusal with its reason in Chinese). `--by-provider`
// turns it into each providing department's report of who read its data. The trail holds no
// enterprise id; anything shaped like a credit code in a request is masked all the same.
#include <climits>
#include <cstdio>
#include <map>
#include <tuple>

#include "kpihub/wire/query_codec.h"
#include "cli_commands.h"
#include "cli_names.h"
#include "credit_code_mask.h"
#include "state_access.h"

namespace kpihub::cli {
namespace {

constexpr char kAuditHelp[] =
    "who read what: every read answered or refused through the query protocol (consumer, "
    "provider, agreement, what was asked, rows, outcome); --by-provider: per providing "
    "department, who read its data";

// Every outcome but a refusal's code: a page answered, a subscription opened.
bool IsRefusal(const std::string& outcome) {
  return outcome != "answered" && outcome != "subscribed";
}

struct AuditArgs {
  StateLocation where;
  std::string consumer, provider, agreement, since, until;
  bool refused = false;
  bool csv = false;
  bool by_provider = false;
};

struct AuditFilter {
  std::string consumer, provider, agreement;  // catalogue codes; empty: any
  int64_t since_ms = INT64_MIN, until_ms = INT64_MAX;
  bool refused_only = false;

  bool Matches(const store::AuditRecord& r) const {
    return (consumer.empty() || r.consumer_department == consumer) &&
           (provider.empty() || r.provider_department == provider) &&
           (agreement.empty() || r.agreement == agreement) && r.unix_ms >= since_ms &&
           r.unix_ms <= until_ms && (!refused_only || IsRefusal(r.outcome));
  }
};

// The Chinese gloss of a query refusal's code (the audit's outcome); other codes print as
// their code.
std::string RefusalZh(const std::string& outcome) {
  for (int i = 1; i < wire::kQueryRefusalCount; ++i) {
    const auto reason = static_cast<wire::QueryRefusal>(i);
    if (wire::QueryRefusalName(reason) == outcome) return std::string(wire::QueryRefusalZh(reason));
  }
  return "";
}

std::string OutcomeText(const std::string& outcome) {
  if (!IsRefusal(outcome)) return outcome;
  const std::string zh = RefusalZh(outcome);
  return "refused " + outcome + (zh.empty() ? "" : " " + zh);
}

// "scitech 科学技术"; a code the catalogue does not know as it is; "-" for none.
std::string DepartmentText(const core::Catalogue& catalogue, const std::string& code) {
  if (code.empty()) return "-";
  const core::Department* d = catalogue.FindDepartment(code);
  return d == nullptr ? code : code + " " + d->name_zh;
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

void PrintRecord(const core::Catalogue& catalogue, const CivilTime& time,
                 const store::AuditRecord& r, bool csv) {
  const std::string request = MaskCreditCodes(r.request);
  if (csv) {
    std::printf("%llu,%s,%s,%s,%s,%s,%s,%s,%llu,%s,%llu\n", static_cast<unsigned long long>(r.id),
                time.Format(r.unix_ms).c_str(), CsvField(r.consumer_key).c_str(),
                CsvField(r.consumer_department).c_str(), CsvField(r.provider_department).c_str(),
                CsvField(r.agreement).c_str(), CsvField(r.kind).c_str(), CsvField(request).c_str(),
                static_cast<unsigned long long>(r.rows), CsvField(r.outcome).c_str(),
                static_cast<unsigned long long>(r.as_of));
    return;
  }
  std::printf("#%llu %s  %s key %s  read %s under %s  rows %llu  %s  %s: %s\n",
              static_cast<unsigned long long>(r.id), time.Format(r.unix_ms).c_str(),
              DepartmentText(catalogue, r.consumer_department).c_str(), r.consumer_key.c_str(),
              DepartmentText(catalogue, r.provider_department).c_str(),
              OrDash(r.agreement).c_str(), static_cast<unsigned long long>(r.rows),
              OutcomeText(r.outcome).c_str(), OrDash(r.kind).c_str(), request.c_str());
}

// One line of the per-provider report: a key of a department reading under an agreement.
struct ReaderTally {
  uint64_t reads = 0;  // answered
  uint64_t rows = 0;
  uint64_t refused = 0;
  int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
};
// provider, consumer department, consumer key, agreement
using ReaderKey = std::tuple<std::string, std::string, std::string, std::string>;

void Count(const store::AuditRecord& r, std::map<ReaderKey, ReaderTally>* tallies) {
  ReaderTally& t = (*tallies)[{r.provider_department, r.consumer_department, r.consumer_key,
                               r.agreement}];
  if (!IsRefusal(r.outcome)) {
    ++t.reads;
    t.rows += r.rows;
  } else {
    ++t.refused;
  }
  t.first_ms = std::min(t.first_ms, r.unix_ms);
  t.last_ms = std::max(t.last_ms, r.unix_ms);
}

void PrintByProvider(const core::Catalogue& catalogue, const CivilTime& time,
                     const std::map<ReaderKey, ReaderTally>& tallies, bool csv) {
  if (csv) {
    std::printf("provider,consumer_department,consumer_key,agreement,reads,rows,refused,first,last\n");
  }
  std::string provider = "\n";  // no provider code is a newline: the first row opens a section
  for (const auto& [key, t] : tallies) {
    const auto& [prov, consumer, consumer_key, agreement] = key;
    if (csv) {
      std::printf("%s,%s,%s,%s,%llu,%llu,%llu,%s,%s\n", CsvField(prov).c_str(),
                  CsvField(consumer).c_str(), CsvField(consumer_key).c_str(),
                  CsvField(agreement).c_str(), static_cast<unsigned long long>(t.reads),
                  static_cast<unsigned long long>(t.rows), static_cast<unsigned long long>(t.refused),
                  time.Format(t.first_ms).c_str(), time.Format(t.last_ms).c_str());
      continue;
    }
    if (prov != provider) {
      provider = prov;
      std::printf("%s\n", prov.empty() ? "refused before a provider was known 未确定数据提供方"
                                       : ("provider " + DepartmentText(catalogue, prov)).c_str());
    }
    std::printf("  %s key %s  under %s  reads %llu  rows %llu  refused %llu  first %s  last %s\n",
                DepartmentText(catalogue, consumer).c_str(), consumer_key.c_str(),
                OrDash(agreement).c_str(), static_cast<unsigned long long>(t.reads),
                static_cast<unsigned long long>(t.rows), static_cast<unsigned long long>(t.refused),
                time.Format(t.first_ms).c_str(), time.Format(t.last_ms).c_str());
  }
}

// Resolves the department filters to codes and the dates to moments; false (said on stderr)
// when one does not name anything.
bool BuildFilter(const AuditArgs& args, const core::Catalogue& catalogue, const CivilTime& time,
                 AuditFilter* filter) {
  for (const auto& [option, typed, out] :
       {std::tuple<const char*, const std::string&, std::string*>{"--consumer", args.consumer,
                                                                  &filter->consumer},
        {"--provider", args.provider, &filter->provider}}) {
    if (typed.empty()) continue;
    auto code = ResolveDepartment(catalogue, typed);
    if (!code.ok()) {
      std::fprintf(stderr, "kpihub audit: %s: %s\n", option, code.status().message().c_str());
      return false;
    }
    *out = *code;
  }
  for (const auto& [option, typed, edge, out] :
       {std::tuple<const char*, const std::string&, CivilTime::Edge, int64_t*>{
            "--since", args.since, CivilTime::Edge::kStart, &filter->since_ms},
        {"--until", args.until, CivilTime::Edge::kEnd, &filter->until_ms}}) {
    if (typed.empty()) continue;
    const std::optional<int64_t> ms = time.Parse(typed, edge);
    if (!ms) {
      std::fprintf(stderr, "kpihub audit: %s: not a date (YYYY-MM-DD) or moment: %s\n", option,
                   typed.c_str());
      return false;
    }
    *out = *ms;
  }
  filter->agreement = args.agreement;
  filter->refused_only = args.refused;
  return true;
}

int RunAudit(const AuditArgs& args) {
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!opened->status.ok()) return ReportFailure("audit", opened->status);
  const core::Catalogue& catalogue = *opened->state.catalogue;
  const CivilTime& time = opened->state.time;
  AuditFilter filter;
  if (!BuildFilter(args, catalogue, time, &filter)) return 1;
  if (args.csv && !args.by_provider) {
    std::printf("id,time,consumer_key,consumer_department,provider_department,agreement,kind,"
                "request,rows,outcome,as_of\n");
  }
  std::map<ReaderKey, ReaderTally> tallies;
  uint64_t listed = 0, refused = 0;
  Status status = opened->snapshot->ForEachAudit(0, [&](const store::AuditRecord& r) {
    if (!filter.Matches(r)) return;
    ++listed;
    if (IsRefusal(r.outcome)) ++refused;
    if (args.by_provider) {
      Count(r, &tallies);
    } else {
      PrintRecord(catalogue, time, r, args.csv);
    }
  });
  if (!status.ok()) return ReportFailure("audit", status);
  if (args.by_provider) PrintByProvider(catalogue, time, tallies, args.csv);
  if (!args.csv) {
    std::printf("%llu reads: %llu answered, %llu refused\n", static_cast<unsigned long long>(listed),
                static_cast<unsigned long long>(listed - refused),
                static_cast<unsigned long long>(refused));
  }
  return 0;
}

}  // namespace

CommandRunner AddAuditCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<AuditArgs>(app, "audit", kAuditHelp);
  cmd->add_option("--consumer", args->consumer, "only reads by this department (code or name)");
  cmd->add_option("--provider", args->provider, "only reads of this department's data");
  cmd->add_option("--agreement", args->agreement, "only reads under this agreement code");
  cmd->add_option("--since", args->since, "only reads from this day on (YYYY-MM-DD)");
  cmd->add_option("--until", args->until, "only reads up to the end of this day (YYYY-MM-DD)");
  cmd->add_flag("--refused", args->refused, "only refused reads");
  cmd->add_flag("--csv", args->csv, "machine-readable CSV output");
  cmd->add_flag("--by-provider", args->by_provider,
                "per providing department: who read its data, under which agreement, how many "
                "reads and rows, first and last read");
  return [args] { return RunAudit(*args); };
}

}  // namespace kpihub::cli
