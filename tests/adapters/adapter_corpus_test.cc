// The messy-export corpus (tests/adapters/corpus, written by make_corpus.py): files as Excel on
// a Chinese Windows desktop and the departments' systems produce them — GB18030 and UTF-8,
// UTF-16, a BOM or none, CRLF, title rows, blank rows, full-width figures, renamed headers,
// duplicates, a workbook. The real kpihub-adapter checks each with --dry-run; its exit code,
// its counts and every line of its reject report must be the expected ones, and the report
// must open in Excel (UTF-8 with a BOM, CRLF, a Chinese and an English message).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "kpihub/testing/adapter_process.h"
#include "kpihub/testing/child_process.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/source_file.h"

namespace kpihub::testing {
namespace {
namespace fs = std::filesystem;

// Splits one CSV record (quotes as RFC 4180; no newlines inside fields here).
std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') { out.back() += '"'; ++i; continue; }
    if (c == '"') { quoted = !quoted; continue; }
    if (c == ',' && !quoted) { out.emplace_back(); continue; }
    out.back() += c;
  }
  return out;
}

std::vector<std::vector<std::string>> ReadExpected(const std::string& name) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(SourceFile("tests/adapters/corpus/" + name));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) rows.push_back(Fields(line));
  return rows;
}

struct Report {
  std::multiset<std::string> lines;  // file,row,column,reason_code
  size_t count = 0;
};

// Checks the report's form and returns its lines.
Report ReadReport(const std::string& path, const std::string& file) {
  Report r;
  std::string text = ReadWholeFile(path);
  EXPECT_EQ(text.rfind("\xEF\xBB\xBF", 0), 0u) << path << ": no byte order mark";
  size_t pos = text.find("\r\n");
  EXPECT_NE(pos, std::string::npos);
  EXPECT_NE(text.substr(0, pos).find("reason_code"), std::string::npos);
  for (size_t start = pos + 2; start < text.size();) {
    size_t end = text.find("\r\n", start);
    EXPECT_NE(end, std::string::npos) << path << ": a line without CRLF";
    if (end == std::string::npos) break;
    std::vector<std::string> f = Fields(text.substr(start, end - start));
    EXPECT_EQ(f.size(), 7u) << text.substr(start, end - start);
    if (f.size() == 7) {
      EXPECT_EQ(f[0], file);
      EXPECT_FALSE(f[5].empty()) << "no Chinese message: " << text.substr(start, end - start);
      EXPECT_FALSE(f[6].empty()) << "no English message: " << text.substr(start, end - start);
      EXPECT_NE(f[5], f[6]);
      r.lines.insert(f[0] + "," + f[1] + "," + f[2] + "," + f[4]);
    }
    r.count++;
    start = end + 2;
  }
  return r;
}

TEST(AdapterCorpusTest, EveryMessyExportGivesItsExpectedOutcome) {
  TempDir dir;
  std::map<std::string, std::multiset<std::string>> expected_rejects;
  for (const auto& r : ReadExpected("expected-rejects.csv")) {
    expected_rejects[r[0]].insert(r[0] + "," + r[1] + "," + r[2] + "," + r[3]);
  }
  auto files = ReadExpected("expected-files.csv");
  ASSERT_GE(files.size(), 15u);
  for (const auto& f : files) {
    SCOPED_TRACE(f[0]);
    // file,profile,exit,rows,blank_rows,title_rows,observations,rejected
    fs::copy_file(SourcePath("tests/adapters/corpus/" + f[0]), dir.path() + "/" + f[0]);
    int code = -1;
    {
      // The adapter names its report after --input: run it from the corpus copy's directory.
      std::string cwd = fs::current_path();
      fs::current_path(dir.path());
      AdapterProcess run({"--profile", SourcePath("config/profiles/" + f[1] + ".toml"), "--dry-run",
                          "--input", f[0]}, dir.path() + "/" + f[0] + ".out");
      code = run.Wait(20000);
      fs::current_path(cwd);
    }
    std::string out = ReadWholeFile(dir.path() + "/" + f[0] + ".out");
    EXPECT_EQ(code, std::stoi(f[2])) << out;
    std::string counts = f[3] + " rows (" + f[4] + " blank, " + f[5] + " title rows skipped), " + f[6] +
                         " observations, " + f[7] + " rejected";
    EXPECT_NE(out.find(counts), std::string::npos) << "want: " << counts << "\n" << out;
    std::string report_path = dir.path() + "/" + f[0] + ".rejects.csv";
    if (f[7] == "0") {
      EXPECT_FALSE(fs::exists(report_path)) << ReadWholeFile(report_path);
      continue;
    }
    Report report = ReadReport(report_path, f[0]);
    EXPECT_EQ(report.count, std::stoull(f[7])) << "the summary's count and the report's lines differ";
    EXPECT_EQ(report.lines, expected_rejects[f[0]]);
  }
}

}  // namespace
}  // namespace kpihub::testing
