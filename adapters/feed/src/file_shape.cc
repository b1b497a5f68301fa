#include "file_shape.h"

#include <fnmatch.h>

#include <algorithm>

#include "bilingual.h"
#include "kpihub/feed/folded_text.h"

namespace kpihub::feed {
namespace {

int Find(const std::vector<std::string>& folded, const std::string& name) {
  if (name.empty()) return -1;
  auto it = std::find(folded.begin(), folded.end(), FoldHeader(name));
  return it == folded.end() ? -1 : static_cast<int>(it - folded.begin());
}

std::vector<std::string> FoldAll(const std::vector<std::string>& columns) {
  std::vector<std::string> out;
  for (const auto& c : columns) out.push_back(FoldHeader(c));
  return out;
}

std::vector<const std::string*> KeyColumns(const Layout& l) {
  std::vector<const std::string*> keys = {&l.park_column, &l.period_column};
  if (!l.entity_column.empty()) keys.push_back(&l.entity_column);
  return keys;
}

bool NameFits(const Layout& l, std::string_view file_name) {
  return l.file_pattern.empty() || fnmatch(l.file_pattern.c_str(), std::string(file_name).c_str(), 0) == 0;
}

size_t KeyHits(const Layout& l, const std::vector<std::string>& folded) {
  size_t hits = 0;
  for (const std::string* k : KeyColumns(l)) hits += Find(folded, *k) >= 0;
  return hits;
}

// The layout whose key columns are all present and which maps the most present columns.
const Layout* ChooseLayout(const Profile& profile, std::string_view file_name, InputFormat format,
                           const std::vector<std::string>& folded) {
  const Layout* best = nullptr;
  size_t best_hits = 0;
  for (const auto& l : profile.layouts) {
    if (l.format != format || !NameFits(l, file_name)) continue;
    if (KeyHits(l, folded) != KeyColumns(l).size()) continue;
    size_t hits = static_cast<size_t>(std::count_if(l.columns.begin(), l.columns.end(),
        [&](const ColumnMapping& c) { return Find(folded, c.name) >= 0; }));
    if (!best || hits > best_hits) { best = &l; best_hits = hits; }
  }
  return best;
}

// Columns of the file that no key or mapped column of `l` took: where a renamed one may be.
std::vector<std::string> Unclaimed(const FileShape& s, const std::vector<std::string>& folded) {
  std::vector<bool> taken(s.columns.size(), false);
  for (int i : {s.park, s.period, s.entity, s.note, s.restatement}) if (i >= 0) taken[static_cast<size_t>(i)] = true;
  for (const auto& b : s.mapped) taken[b.index] = true;
  std::vector<std::string> out;
  for (size_t i = 0; i < s.columns.size(); ++i) if (!taken[i] && !folded[i].empty()) out.push_back(s.columns[i]);
  return out;
}

void Bind(FileShape& s, const Layout& l) {
  std::vector<std::string> folded = FoldAll(s.columns);
  s.layout = &l;
  s.park = Find(folded, l.park_column);
  s.period = Find(folded, l.period_column);
  s.entity = Find(folded, l.entity_column);
  s.note = Find(folded, l.note_column);
  s.restatement = Find(folded, l.restatement_column);
  std::vector<const ColumnMapping*> missing;
  for (const auto& c : l.columns) {
    int i = Find(folded, c.name);
    if (i >= 0) s.mapped.push_back({&c, static_cast<size_t>(i)});
    else if (!c.optional) missing.push_back(&c);
  }
  std::vector<std::string> unclaimed = Unclaimed(s, folded);
  for (const ColumnMapping* c : missing) {
    auto guess = ClosestName(c->name, unclaimed);
    s.problems.push_back(Reject(
        s.header_row, c->name, "", kMissingColumn,
        "文件没有“" + c->name + "”列" + DidYouMeanZh(guess) + "：整个文件未提交，请改正表头后重新提交",
        "the file has no column '" + c->name + "' (" + c->indicator + ")" + DidYouMeanEn(guess) +
            ": nothing of the file was sent; correct the header and hand the file in again"));
  }
}

// No layout fits: say which key columns the closest layout misses, with a guess for each.
void ExplainNoLayout(FileShape& s, const Profile& profile, std::string_view file_name, InputFormat format) {
  std::vector<std::string> folded = FoldAll(s.columns);
  const Layout* closest = nullptr;
  size_t best = 0;
  for (const auto& l : profile.layouts) {
    if (l.format != format || !NameFits(l, file_name)) continue;
    size_t hits = KeyHits(l, folded);
    if (!closest || hits > best) { closest = &l; best = hits; }
  }
  if (!closest) {
    s.problems.push_back(Reject(0, "", "", kNoLayout, "配置中没有适用于这个文件名的格式",
                                "no layout of the profile applies to this file name"));
    return;
  }
  std::string zh, en;
  for (const std::string* k : KeyColumns(*closest)) {
    if (Find(folded, *k) >= 0) continue;
    auto guess = ClosestName(*k, s.columns);
    zh += (zh.empty() ? "“" : "、“") + *k + "”" + DidYouMeanZh(guess);
    en += (en.empty() ? "'" : ", '") + *k + "'" + DidYouMeanEn(guess);
  }
  std::string where_zh = format == InputFormat::kCsv ? "前 " + std::to_string(kMaxTitleRows + 1) + " 行中找不到表头：" : "";
  std::string where_en = format == InputFormat::kCsv ? "no header row in the first " + std::to_string(kMaxTitleRows + 1) + " rows: " : "";
  s.problems.push_back(Reject(s.header_row, "", "", kNoLayout,
                              where_zh + "文件缺少 " + zh + " 列（格式 " + closest->name + "）",
                              where_en + "the file lacks column " + en + " (layout " + closest->name + ")"));
}

}  // namespace

FileShape ShapeCsv(const Profile& profile, std::string_view file_name,
                   const std::vector<RawRecord>& candidates) {
  FileShape s;
  if (candidates.empty()) {
    s.problems.push_back(Reject(0, "", "", kNoLayout, "文件是空的，没有表头", "the file has no header row"));
    return s;
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::vector<std::string> folded = FoldAll(candidates[i].cells);
    if (const Layout* l = ChooseLayout(profile, file_name, InputFormat::kCsv, folded)) {
      s.columns = candidates[i].cells;
      s.header_row = candidates[i].row;
      s.title_rows = i;
      Bind(s, *l);
      return s;
    }
  }
  // Explain against the candidate that looks most like a header: the one with most cells.
  const RawRecord* best = &candidates.front();
  for (const auto& c : candidates) if (c.cells.size() > best->cells.size()) best = &c;
  s.columns = best->cells;
  s.header_row = best->row;
  ExplainNoLayout(s, profile, file_name, InputFormat::kCsv);
  return s;
}

FileShape ShapeJson(const Profile& profile, std::string_view file_name,
                    const std::vector<std::string>& keys) {
  FileShape s;
  s.columns = keys;
  if (const Layout* l = ChooseLayout(profile, file_name, InputFormat::kJson, FoldAll(keys))) {
    Bind(s, *l);
  } else {
    ExplainNoLayout(s, profile, file_name, InputFormat::kJson);
  }
  return s;
}

}  // namespace kpihub::feed
