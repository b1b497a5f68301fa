// The report as the leadership group gets it: printed by Debian's headless chromium to PDF
// (A4, read back with poppler's pdfinfo and pdftotext) and to a PNG screenshot. Chromium runs
// without its sandbox (root in a container has none), with a profile of its own, and is
// killed by PID if it does not finish.
#include <signal.h>

#include <regex>

#include "report_fixture.h"
#include "kpihub/testing/child_process.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::testing {
namespace {

constexpr int kChromiumTimeoutMs = 120000;

// Runs chromium headless on `page` with `output_flag`; its exit code (-1 on timeout).
int Chromium(const std::string& page, const std::string& output_flag, const std::string& log) {
  TempDir profile;
  ChildProcess chromium;
  chromium.Start({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                  "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                  "--user-data-dir=" + profile.path(), "--no-pdf-header-footer",
                  "--window-size=1400,1800", output_flag, "file://" + page},
                 log);
  int code = chromium.Wait(kChromiumTimeoutMs);
  if (code == -1 && chromium.running()) chromium.Kill(SIGKILL);
  return code;
}

TEST_F(ReportFixture, ChromiumPrintsItWithTheChineseNamesAndFigures) {
  CliRun made = Produce();
  ASSERT_EQ(made.code, 0) << made.output;
  const std::string pdf = daemon_.dir() + "/report.pdf";
  const std::string png = daemon_.dir() + "/report.png";
  const std::string log = daemon_.dir() + "/chromium.log";
  ASSERT_EQ(Chromium(ReportPath(), "--print-to-pdf=" + pdf, log), 0) << ReadWholeFile(log);
  ASSERT_EQ(Chromium(ReportPath(), "--screenshot=" + png, log), 0) << ReadWholeFile(log);

  std::string info;
  ASSERT_EQ(RunCommand("pdfinfo " + pdf, &info), 0) << info;
  std::smatch pages;
  ASSERT_TRUE(std::regex_search(info, pages, std::regex("Pages:\\s+([0-9]+)"))) << info;
  const int n = std::stoi(pages[1]);
  EXPECT_GE(n, 2) << "KPIs, parks, milestones, feeds, rules and fingerprint";
  EXPECT_LE(n, 8) << info;
  std::smatch size;
  ASSERT_TRUE(std::regex_search(info, size, std::regex("Page size:\\s+([0-9.]+) x ([0-9.]+) pts \\(A4\\)")))
      << info;
  EXPECT_GT(std::stod(size[1]), std::stod(size[2])) << "A4 landscape: " << info;

  std::string text;
  ASSERT_EQ(RunCommand("pdftotext -enc UTF-8 " + pdf + " -", &text), 0) << text;
  for (const char* wanted : {"国家级研发机构", "工业总产值", "进度滞后", "不予公开", "约束性",
                             "创业补助（一次性）不超过10万元", "数据指纹", "National R&D institutions"}) {
    EXPECT_NE(text.find(wanted), std::string::npos) << wanted << "\n" << text;
  }
  // The zone's national R&D institutions: 14 of a target of 20.
  EXPECT_TRUE(std::regex_search(text, std::regex("\\b14\\b"))) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("\\b20\\b"))) << text;

  const std::string image = ReadWholeFile(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<unsigned char>(image[at + 1]) << 16) |
           (static_cast<unsigned char>(image[at + 2]) << 8) | static_cast<unsigned char>(image[at + 3]);
  };
  EXPECT_EQ(be32(16), 1400u);  // IHDR width: the window asked for
  EXPECT_GT(image.size(), 20000u) << "a page with tables, not a blank one";
}

}  // namespace
}  // namespace kpihub::testing
