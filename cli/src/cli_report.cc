#include "cli_report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "cli_closing.h"
#include "cli_report_figures.h"
#include "cli_report_html.h"
#include "cli_report_key.h"
#include "state_access.h"
#include "kpihub/platform/file.h"

namespace kpihub::cli {
namespace {

constexpr size_t kMaxReportBytes = 64u << 20;

constexpr char kReportHelp[] =
    "the leadership report: one signed, printable HTML page of a year's KPIs, parks, "
    "milestones, feeds and rule checks; --verify checks one";

struct ReportArgs {
  StateLocation where;
  int year = 0;
  std::string as_of;  // empty: now
  std::string out;
  std::string verify;
  std::string key;  // overrides the config's report_key_file (.key to sign, .pub to verify)
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Writes through a temporary file and a rename: a reader never sees half a report.
Status WriteWholeFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(tmp + ": cannot create");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return Status::Ok();
  ::unlink(tmp.c_str());
  return Status::IoError(path + ": write failed");
}

std::string KeyId(const std::string& public_key) { return Sha256Hex(public_key).substr(0, 16); }

Status Figures(OpenedSnapshot& opened, int year, int64_t as_of_ms, ReportFigures* out) {
  if (!opened.status.ok()) return opened.status;
  return BuildReportFigures(*opened.snapshot, *opened.state.catalogue,
                            opened.state.config.min_cell_entities, year, as_of_ms, out);
}

int Produce(const ReportArgs& args) {
  if (args.year == 0 || args.out.empty()) {
    std::fprintf(stderr, "kpihub report: --year and --out are required (or --verify FILE)\n");
    return 1;
  }
  // "Now" is taken before the snapshot opens, so the snapshot holds every batch received by
  // then (but one still being committed at that instant, see docs/report.md).
  int64_t as_of_ms = NowMs();
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return 1;
  if (!args.as_of.empty()) {
    auto parsed = opened->state.time.Parse(args.as_of, CivilTime::Edge::kEnd);
    if (!parsed) {
      std::fprintf(stderr, "kpihub report: --as-of '%s': expected 2021-03-15T10:00:00+08:00, "
                   "'2021-03-15 10:00', 2021-03-15 or @UNIX_SECONDS\n", args.as_of.c_str());
      return 1;
    }
    as_of_ms = *parsed;
  }
  const std::string key_path = args.key.empty() ? opened->state.config.report_key_file : args.key;
  auto key = ReadReportKey(key_path, /*need_secret=*/true);
  if (!key.ok()) return ReportFailure("report", key.status());
  ReportFigures figures;
  if (Status s = Figures(*opened, args.year, as_of_ms, &figures); !s.ok()) {
    return ReportFailure("report", s);
  }
  opened->snapshot.reset();
  const std::string page = RenderReportHtml(*opened->state.catalogue, figures, opened->state.time,
                                            KeyId(key->public_key));
  ReportFingerprint fp{figures.journal_id, figures.as_of_ms, figures.year,
                       Sha256Hex(figures.CanonicalText()), Sha256Hex(page)};
  const std::string signed_page = InsertSignature(page, Base64(SignDetached(fp.SignedText(), *key)));
  if (Status s = WriteWholeFile(args.out, signed_page); !s.ok()) return ReportFailure("report", s);
  std::printf("wrote %s: %d, as of %s, journal position %llu, figures sha256 %s\n",
              args.out.c_str(), figures.year, opened->state.time.Format(as_of_ms).c_str(),
              static_cast<unsigned long long>(figures.journal_id), fp.figures_sha256.c_str());
  return 0;
}

// Lines of `a` that `b` lacks, at most `limit`, each prefixed.
std::string Missing(const std::string& a, const std::string& b, const char* prefix, int limit) {
  std::set<std::string> theirs;
  std::istringstream bs(b);
  for (std::string line; std::getline(bs, line);) theirs.insert(line);
  std::string out;
  std::istringstream as(a);
  for (std::string line; std::getline(as, line) && limit > 0;) {
    if (!theirs.count(line)) {
      out += std::string(prefix) + line + "\n";
      --limit;
    }
  }
  return out;
}

std::string PublicKeyPath(const ReportArgs& args, const app::DaemonConfig& config) {
  const std::string& path = args.key.empty() ? config.report_key_file : args.key;
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".pub") == 0
             ? path : ReportPublicKeyPath(path);
}

int Tampered(const std::string& file, const std::string& why) {
  std::printf("%s: TAMPERED — %s\n", file.c_str(), why.c_str());
  return kReportTampered;
}

// Compares the page's figures with the store's, as of a moment; prints the difference.
bool SameFigures(const std::string& page, const std::string& store, const char* label) {
  if (page == store) return true;
  std::printf("%s\n%s%s", label, Missing(page, store, "  report: ", 20).c_str(),
              Missing(store, page, "  store:  ", 20).c_str());
  return false;
}

// Names every restatement accepted after the report's journal position, without enterprise
// ids: approved figures changed after the report was produced.
Status PrintRestatementsSince(OpenedSnapshot& opened, uint64_t journal_id, size_t* count) {
  std::vector<std::string> lines;
  Status s = opened.snapshot->ForEachRestatement([&](const store::Restatement& r) {
    if (r.change.journal_id <= journal_id) return;
    lines.push_back(RestatementLine(
        ViewRestatement(*opened.state.catalogue, opened.state.time, r, /*entities=*/false)));
  });
  if (!s.ok()) return s;
  *count = lines.size();
  if (lines.empty()) return s;
  std::printf("NO LONGER MATCHES: %zu restatement%s of approved figures accepted since the "
              "report (journal position > %llu) / 报告之后已更正的正式数:\n", lines.size(),
              lines.size() == 1 ? "" : "s", static_cast<unsigned long long>(journal_id));
  for (const std::string& line : lines) std::printf("  restated: %s\n", line.c_str());
  return s;
}

int Verify(const ReportArgs& args) {
  auto html = platform::ReadRegularFile(args.verify, kMaxReportBytes);
  if (!html.ok()) return ReportFailure("report", html.status());
  auto opened = OpenSnapshotReadOnly(args.where);
  if (!opened) return kReportUnchecked;
  auto key = ReadReportKey(PublicKeyPath(args, opened->state.config), /*need_secret=*/false);
  if (!key.ok()) return ReportFailure("report", key.status());
  auto page = ReadReportHtml(*html);
  if (!page) return Tampered(args.verify, "it carries no well-formed kpihub fingerprint");
  if (!VerifyDetached(page->signature, page->fingerprint.SignedText(), key->public_key)) {
    return Tampered(args.verify, "the signature does not match its contents (key " +
                                     KeyId(key->public_key) + ")");
  }
  if (Sha256Hex(page->canonical_text) != page->fingerprint.figures_sha256) {
    return Tampered(args.verify, "the embedded figures do not match the signed hash");
  }
  const ReportFingerprint& fp = page->fingerprint;
  const CivilTime& time = opened->state.time;
  std::printf("%s: signature good (key %s): %d, as of %s, journal position %llu\n",
              args.verify.c_str(), KeyId(key->public_key).c_str(), fp.year,
              time.Format(fp.as_of_ms).c_str(), static_cast<unsigned long long>(fp.journal_id));
  ReportFigures then, now;
  Status s = Figures(*opened, fp.year, fp.as_of_ms, &then);
  if (s.ok()) s = Figures(*opened, fp.year, NowMs(), &now);
  if (!s.ok()) return ReportFailure("report", s);
  const int version = ReportFigures::VersionOf(page->canonical_text);
  if (!SameFigures(page->canonical_text, then.CanonicalText(version),
                   "NO LONGER MATCHES: the store's history as of that moment gives other "
                   "figures (another store, a restored backup or another catalogue)")) {
    return kReportNoLongerMatches;
  }
  const bool same_now = SameFigures(page->canonical_text, now.CanonicalText(version),
                                    "NO LONGER MATCHES: figures of the report have been revised "
                                    "since (report line, then the store's line now)");
  size_t restated = 0;
  s = PrintRestatementsSince(*opened, fp.journal_id, &restated);
  if (!s.ok()) return ReportFailure("report", s);
  if (!same_now || restated > 0) return kReportNoLongerMatches;
  std::printf("GENUINE: the store still gives every figure of the report\n");
  return kReportGenuine;
}

}  // namespace

int WriteReportKey(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name + ".key";
  if (Status s = WriteReportKeyFiles(path, GenerateReportKey()); !s.ok()) {
    std::fprintf(stderr, "kpihub keygen: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("wrote %s (Ed25519 report key, secret, mode 0600) and %s\n", path.c_str(),
              ReportPublicKeyPath(path).c_str());
  return 0;
}

CommandRunner AddReportCommand(CLI::App& app) {
  auto [cmd, args] = NewStateCommand<ReportArgs>(app, "report", kReportHelp);
  cmd->add_option("--year", args->year, "the year reported on");
  cmd->add_option("--as-of", args->as_of,
                  "the figures as they stood at this moment, from the value history "
                  "(default: now; formats as for `kpis --as-of`)");
  cmd->add_option("--out", args->out, "the HTML file to write");
  cmd->add_option("--verify", args->verify,
                  "check a report: exit 0 genuine and current, 2 tampered, 4 genuine but the "
                  "store's figures or their basis differ (revised since) or approved figures "
                  "were restated since (each named), 1 could not check");
  cmd->add_option("--key", args->key,
                  "report key file (default: the config's report_key_file; its .pub to verify)");
  return [args] { return args->verify.empty() ? Produce(*args) : Verify(*args); };
}

}  // namespace kpihub::cli
