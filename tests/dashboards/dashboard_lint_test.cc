// Lints every Grafana dashboard under dashboards/grafana/dashboards: valid structure, unique
// panel ids, grid positions inside the 24 columns and never overlapping, the data source
// always through the `datasource` variable, every variable used defined, Chinese titles with
// English, and every PromQL expression parsing (promtool check rules on a generated file).
// The leadership and province boards are for people: rows titled by Chinese names, never codes;
// a unit on every value; the CLI's status words. On the leadership board binding and strive
// targets are told apart; the province board compares zones on series the provincial
// Prometheus federates (dashboards/prometheus-province.yml).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>

#include "board_queries.h"

namespace kpihub::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> Boards() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(KPIHUB_SOURCE_DIR) + "/dashboards/grafana/dashboards")) {
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class DashboardLint : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_NO_THROW(board_ = ReadJsonFile(GetParam())) << GetParam(); }
  json board_;
};

bool HasCjk(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0xE4 && c <= 0xE9) return true;  // lead bytes of the CJK Unified Ideographs block
  }
  return false;
}
bool HasLatinWord(const std::string& s) { return std::regex_search(s, std::regex("[A-Za-z]{2,}")); }

TEST_P(DashboardLint, HasTheStructureGrafanaNeeds) {
  for (const char* key : {"uid", "title", "panels", "templating", "schemaVersion", "time"}) {
    EXPECT_TRUE(board_.contains(key)) << key;
  }
  EXPECT_TRUE(board_["uid"].is_string());
  EXPECT_LE(board_["uid"].get<std::string>().size(), 40u);  // Grafana's limit
  EXPECT_TRUE(board_["panels"].is_array());
  EXPECT_FALSE(board_["panels"].empty());
  EXPECT_TRUE(HasCjk(board_["title"]) && HasLatinWord(board_["title"])) << board_["title"];
}

TEST_P(DashboardLint, PanelIdsAreUnique) {
  std::set<int> ids;
  for (const json* p : AllPanels(board_)) {
    ASSERT_TRUE(p->contains("id") && (*p)["id"].is_number_integer()) << p->dump();
    EXPECT_TRUE(ids.insert((*p)["id"].get<int>()).second) << "duplicate id " << (*p)["id"];
  }
}

TEST_P(DashboardLint, GridPositionsFitAndNeverOverlap) {
  struct Box { int x, y, w, h; std::string title; };
  std::vector<Box> boxes;
  for (const json* p : AllPanels(board_)) {
    ASSERT_TRUE(p->contains("gridPos")) << (*p)["title"];
    const json& g = (*p)["gridPos"];
    Box b{g.value("x", -1), g.value("y", -1), g.value("w", 0), g.value("h", 0), p->value("title", "")};
    EXPECT_GE(b.x, 0) << b.title;
    EXPECT_GE(b.y, 0) << b.title;
    EXPECT_GT(b.w, 0) << b.title;
    EXPECT_GT(b.h, 0) << b.title;
    EXPECT_LE(b.x + b.w, 24) << b.title;
    boxes.push_back(b);
  }
  for (size_t i = 0; i < boxes.size(); ++i) {
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const Box& a = boxes[i];
      const Box& b = boxes[j];
      bool overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      EXPECT_FALSE(overlap) << "'" << a.title << "' overlaps '" << b.title << "'";
    }
  }
}

TEST_P(DashboardLint, DataSourceIsAlwaysTheVariable) {
  bool has_variable = false;
  for (const auto& v : board_["templating"]["list"]) {
    if (v.value("name", "") == "datasource") {
      has_variable = v.value("type", "") == "datasource" && v.value("query", "") == "prometheus";
    }
  }
  EXPECT_TRUE(has_variable) << "a `datasource` variable of type datasource (prometheus)";
  auto check = [](const json& holder, const std::string& where) {
    ASSERT_TRUE(holder.contains("datasource")) << where;
    EXPECT_EQ(holder["datasource"].value("uid", ""), "${datasource}") << where;
  };
  for (const json* p : AllPanels(board_)) {
    if (p->value("type", "") == "row") continue;
    check(*p, p->value("title", ""));
    for (const auto& t : p->value("targets", json::array())) check(t, p->value("title", "") + " target");
  }
  for (const auto& v : board_["templating"]["list"]) {
    if (v.value("type", "") == "query") check(v, "variable " + v.value("name", ""));
  }
}

TEST_P(DashboardLint, TitlesAreChineseWithEnglishAndPanelsHaveQueries) {
  for (const json* p : AllPanels(board_)) {
    std::string title = p->value("title", "");
    EXPECT_TRUE(HasCjk(title) && HasLatinWord(title)) << "title needs Chinese and English: " << title;
    if (p->value("type", "") == "row") continue;
    EXPECT_FALSE(p->value("description", "").empty()) << title;
    EXPECT_FALSE(p->value("targets", json::array()).empty()) << title;
  }
}

TEST_P(DashboardLint, EveryVariableUsedIsDefined) {
  std::set<std::string> defined = {"__rate_interval", "__range", "__interval"};
  for (const auto& v : board_["templating"]["list"]) defined.insert(v.value("name", ""));
  std::regex use(R"(\$\{?([A-Za-z_][A-Za-z0-9_]*))");
  auto check = [&](const std::string& text) {
    for (std::sregex_iterator it(text.begin(), text.end(), use), end; it != end; ++it) {
      EXPECT_TRUE(defined.count((*it)[1]) != 0) << "undefined variable $" << (*it)[1] << " in " << text;
    }
  };
  for (const json* p : AllPanels(board_)) check(p->value("title", ""));
  for (const BoardQuery& q : PanelQueries(board_)) check(q.expr);
}

TEST_P(DashboardLint, EveryExpressionParses) {
  std::vector<BoardQuery> queries = PanelQueries(board_);
  ASSERT_FALSE(queries.empty());
  for (const auto& v : board_["templating"]["list"]) {
    if (v.value("type", "") != "query") continue;
    // label_values(metric, label) and query_result(expr) are Grafana's, not PromQL: the
    // expression inside must parse.
    std::string def = v.value("definition", "");
    std::string inner = VariableExpression(def);
    ASSERT_FALSE(inner.empty()) << def;
    queries.push_back({0, "variable " + v.value("name", ""), "", inner});
  }
  std::string path = fs::temp_directory_path() / ("kpihub-lint-" + std::to_string(getpid()) + ".yml");
  {
    std::ofstream out(path);
    out << "groups:\n  - name: lint\n    rules:\n";
    for (size_t i = 0; i < queries.size(); ++i) {
      out << "      - record: lint:expr_" << i << "\n        expr: " << json(Substitute(queries[i].expr, DefaultVariableValues())).dump() << "\n";
    }
  }
  std::string output;
  FILE* pipe = popen(("promtool check rules " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  int status = pclose(pipe);
  fs::remove(path);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0) << output;
  EXPECT_NE(output.find("SUCCESS: " + std::to_string(queries.size()) + " rules found"), std::string::npos) << output;
}

INSTANTIATE_TEST_SUITE_P(Boards, DashboardLint, ::testing::ValuesIn(Boards()),
                         [](const auto& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// The boards people read: the leadership group's, and the province's comparison of zones.
class PeoplesBoard : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(board_ = ReadJsonFile(std::string(KPIHUB_SOURCE_DIR) + "/dashboards/grafana/dashboards/" +
                                          GetParam()));
  }
  json board_;
};

TEST_P(PeoplesBoard, RowsAreTitledByNamesNeverCodes) {
  for (const json* p : AllPanels(board_)) {
    if (p->value("type", "") == "row") continue;
    for (const std::string& code : CodesShownAsTitles(*p)) {
      ADD_FAILURE() << "'" << p->value("title", "") << "' shows the bare code label " << code;
    }
    for (const auto& t : p->value("targets", json::array())) {
      std::string legend = t.value("legendFormat", "");
      // A series without a legend is named by its labels: codes, for a KPI's or park's.
      std::string expr = t.value("expr", "");
      bool per_code = std::regex_search(expr, std::regex(R"(kpihub_kpi|kpihub:kpi|park|milestone)"));
      if (t.value("format", "") != "table" && per_code) {
        EXPECT_NE(legend.find("_zh}}"), std::string::npos) << p->value("title", "") << ": legend without a Chinese name";
      }
    }
  }
}

TEST_P(PeoplesBoard, EveryValuePanelShowsItsUnit) {
  for (const json* p : AllPanels(board_)) {
    if (p->value("type", "") == "row") continue;
    EXPECT_TRUE(ShowsUnit(*p)) << "'" << p->value("title", "") << "' shows values without a unit";
  }
}

// The CLI's words (kpihub kpis), and no word of the vocabulary they replaced.
TEST_P(PeoplesBoard, StatusesInTheCliVocabulary) {
  const std::string text = board_.dump();
  for (const char* word : {"进度正常", "存在风险", "进度滞后", "未评估", "无数据"}) {
    EXPECT_NE(text.find(word), std::string::npos) << word;
  }
  for (const char* old_word : {"达标", "预警", "\"滞后"}) {
    EXPECT_EQ(text.find(old_word), std::string::npos) << old_word;
  }
  // Colours follow the status against the straight line, never a fixed share of the target.
  for (const json* p : AllPanels(board_)) {
    const json defaults = p->value("fieldConfig", json::object()).value("defaults", json::object());
    EXPECT_FALSE(defaults.contains("thresholds") && p->value("title", "").find("进度") != std::string::npos)
        << p->value("title", "");
  }
}

INSTANTIATE_TEST_SUITE_P(Boards, PeoplesBoard,
                         ::testing::Values("kpihub-leadership.json", "kpihub-province.json"),
                         [](const auto& info) { return info.param == "kpihub-leadership.json" ? "leadership" : "province"; });

class LeadershipBoard : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(board_ = ReadJsonFile(std::string(KPIHUB_SOURCE_DIR) +
                                          "/dashboards/grafana/dashboards/kpihub-leadership.json"));
  }
  json board_;
};

TEST_F(LeadershipBoard, BindingAndStriveTargetsToldApartWithTheirDeadline) {
  const std::string text = board_.dump();
  for (const char* needle : {"strength_zh", "deadline_zh", "约束性 binding", "力争 strive", "kpihub_milestone_info",
                             "kpihub_milestone_achieved_timestamp_seconds", "kpihub:milestone_status:code",
                             "kpihub_kpi_zone_share_ratio", "kpihub_kpi_zone_contribution_ratio"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  }
}

// The names of the series the provincial Prometheus federates: the regex of `__name__` in the
// match[] selector of dashboards/prometheus-province.yml.
std::string FederatedNames() {
  std::ifstream in(std::string(KPIHUB_SOURCE_DIR) + "/dashboards/prometheus-province.yml");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, std::regex(R"re(\{__name__=~"([^"]+)"\})re"))) return m[1];
  }
  return "";
}

// Every series the province board reads is one the zones give away through /federate (else its
// panel is empty however healthy the zones are), and every panel compares the zones by name.
TEST(ProvinceBoard, ReadsOnlyFederatedSeriesAndComparesZones) {
  const json board = ReadJsonFile(std::string(KPIHUB_SOURCE_DIR) + "/dashboards/grafana/dashboards/kpihub-province.json");
  const std::string federated = FederatedNames();
  ASSERT_FALSE(federated.empty()) << "no match[] with __name__ in prometheus-province.yml";
  std::vector<std::string> exprs;
  for (const BoardQuery& q : PanelQueries(board)) {
    exprs.push_back(q.expr);
    EXPECT_NE(q.expr.find("zone_zh"), std::string::npos) << q.panel_title << ": not per zone by name";
  }
  for (const auto& v : board["templating"]["list"]) {
    if (v.value("type", "") == "query") exprs.push_back(VariableExpression(v.value("definition", "")));
  }
  const std::regex series(R"(\bkpihub[_:][A-Za-z0-9_:]*)");
  int checked = 0;
  for (const std::string& e : exprs) {
    for (std::sregex_iterator it(e.begin(), e.end(), series), end; it != end; ++it, ++checked) {
      EXPECT_TRUE(std::regex_match(it->str(), std::regex(federated))) << it->str() << " is not federated: " << e;
    }
  }
  EXPECT_GT(checked, 6);
}

// The checks above can fail: a code as a matrix row, a code column left in a table, a legend
// of codes, and values without a unit are all caught.
TEST(BoardChecks, CatchCodesAsTitlesAndMissingUnits) {
  json matrix = json::parse(R"j({"type":"table","targets":[{"refId":"A","format":"table",
      "expr":"max by (kpi, park) (x)"}],
      "transformations":[{"id":"groupingToMatrix","options":{"rowField":"kpi","columnField":"park_zh"}}]})j");
  EXPECT_EQ(CodesShownAsTitles(matrix), std::vector<std::string>{"kpi"});
  json merged = json::parse(R"j({"type":"table","targets":[{"refId":"A","format":"table",
      "expr":"max by (kpi, title_zh) (x)"}],
      "transformations":[{"id":"organize","options":{"excludeByName":{"Time":true}}}]})j");
  EXPECT_EQ(CodesShownAsTitles(merged), std::vector<std::string>{"kpi"});
  merged["transformations"][0]["options"]["excludeByName"]["kpi"] = true;
  EXPECT_TRUE(CodesShownAsTitles(merged).empty());
  json bars = json::parse(R"j({"type":"bargauge","targets":[{"refId":"A","expr":"x","legendFormat":"{{kpi}}"}]})j");
  EXPECT_EQ(CodesShownAsTitles(bars), std::vector<std::string>{"kpi"});
  EXPECT_FALSE(ShowsUnit(bars));
  bars["fieldConfig"]["defaults"]["unit"] = "none";
  EXPECT_FALSE(ShowsUnit(bars));
  bars["fieldConfig"]["defaults"]["unit"] = "percentunit";
  EXPECT_TRUE(ShowsUnit(bars));
  json two = json::parse(R"j({"type":"table","targets":[{"refId":"A"},{"refId":"B"}],
      "fieldConfig":{"defaults":{},"overrides":[{"matcher":{"id":"byName","options":"值"},
        "properties":[{"id":"unit","value":"percentunit"}]}]},
      "transformations":[{"id":"organize","options":{"renameByName":{"Value #A":"值"}}}]})j");
  EXPECT_FALSE(ShowsUnit(two));  // Value #B has none
  two["transformations"][0]["options"]["excludeByName"]["Value #B"] = true;
  EXPECT_TRUE(ShowsUnit(two));
}

TEST(DashboardFiles, TheBoardsShip) {
  auto boards = Boards();
  ASSERT_EQ(boards.size(), 4u);
  EXPECT_NE(boards[0].find("kpihub-adapters.json"), std::string::npos);
  EXPECT_NE(boards[1].find("kpihub-leadership.json"), std::string::npos);
  EXPECT_NE(boards[2].find("kpihub-operations.json"), std::string::npos);
  EXPECT_NE(boards[3].find("kpihub-province.json"), std::string::npos);
}

TEST(SubstituteTest, ReplacesLongestNamesFirstAndBracedForms) {
  EXPECT_EQ(Substitute("a{p=\"$park\",y=\"${year}\"}[$__rate_interval]",
                       {{"park", "zone"}, {"year", "2020"}, {"__rate_interval", "1m"}}),
            "a{p=\"zone\",y=\"2020\"}[1m]");
  EXPECT_EQ(Substitute("$years $year", {{"year", "Y"}, {"years", "YS"}}), "YS Y");
}

}  // namespace
}  // namespace kpihub::testing
