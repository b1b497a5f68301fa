#include "query_request.h"

#include <algorithm>

#include "kpihub/core/uscc.h"

namespace kpihub::exchange {
namespace {

using wire::QueryRefusal;

QueryRefusalOf Bad(std::string detail) { return {QueryRefusal::kBadRequest, std::move(detail), "", ""}; }

std::string Nth(size_t i) { return "第 " + std::to_string(i + 1) + " 个"; }

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<QueryRefusalOf> CheckPeriods(const wire::QueryRequest& q, RowFilter* filter) {
  for (auto [text, out, name] : {std::tuple{&q.period_from, &filter->from, "periodFrom"},
                                 {&q.period_to, &filter->to, "periodTo"}}) {
    if (text->empty()) continue;
    *out = core::Period::Parse(*text);
    if (!*out) return Bad(std::string(name) + " 不是有效的期间（YYYY、YYYYQn 或 YYYY-MM）");
  }
  if (filter->from && filter->to && filter->from->StartUnixSeconds() > filter->to->StartUnixSeconds()) {
    return Bad("periodFrom 晚于 periodTo");
  }
  return std::nullopt;
}

std::optional<QueryRefusalOf> CheckCodes(const wire::QueryRequest& q, const core::Catalogue& c,
                                         RowFilter* filter) {
  if (q.indicators.empty()) return Bad("至少要指定一个指标");
  for (size_t i = 0; i < q.indicators.size(); ++i) {
    const core::Indicator* indicator = c.FindIndicator(q.indicators[i]);
    if (indicator == nullptr) {
      return QueryRefusalOf{QueryRefusal::kUnknownIndicator, Nth(i) + "指标不在指标目录中", "", ""};
    }
    if (q.level == core::ShareLevel::kEnterprise && !indicator->enterprise_level) {
      return Bad("指标 " + indicator->code + " 按园区报送，没有企业明细；请查询汇总数据（level = aggregate）");
    }
    filter->indicators.push_back(indicator->code);
  }
  std::sort(filter->indicators.begin(), filter->indicators.end());
  filter->indicators.erase(std::unique(filter->indicators.begin(), filter->indicators.end()),
                           filter->indicators.end());
  for (size_t i = 0; i < q.parks.size(); ++i) {
    if (c.FindPark(q.parks[i]) == nullptr) return Bad(Nth(i) + "园区不在目录中");
    filter->parks.insert(q.parks[i]);
  }
  if (!q.entities.empty() && q.level != core::ShareLevel::kEnterprise) {
    return Bad("只有企业明细查询（level = enterprise）可以指定企业");
  }
  for (size_t i = 0; i < q.entities.size(); ++i) {
    if (!core::IsValidUscc(q.entities[i])) return Bad(Nth(i) + "企业代码不是有效的统一社会信用代码");
    filter->entities.insert(q.entities[i]);
  }
  return std::nullopt;
}

QueryRefusal FromVerdict(core::ShareVerdict verdict) {
  switch (verdict) {
    case core::ShareVerdict::kNotYetInForce:
    case core::ShareVerdict::kExpired: return QueryRefusal::kAgreementNotInForce;
    case core::ShareVerdict::kAggregateOnly: return QueryRefusal::kLevelNotGranted;
    case core::ShareVerdict::kUnknownIndicator: return QueryRefusal::kUnknownIndicator;
    default: return QueryRefusal::kNoAgreement;
  }
}

std::string RefusalSentence(const ReaderIdentity& reader, const core::Indicator& indicator,
                            const core::ShareDecision& d) {
  std::string s = "部门 " + reader.department + " 读取指标 " + indicator.code + "（由 " +
                  indicator.department + " 提供）被拒绝：" + std::string(core::ShareVerdictZh(d.verdict));
  if (d.agreement != nullptr) {
    s += "（协议 " + d.agreement->code + "，自 " + core::FormatZoneDay(d.agreement->valid_from_day) +
         (d.agreement->valid_until_day ? " 至 " + core::FormatZoneDay(*d.agreement->valid_until_day) : "") +
         "，级别 " + std::string(core::ShareLevelZh(d.agreement->level)) + "）";
  }
  return s;
}

std::optional<QueryRefusalOf> Decide(const wire::QueryRequest& q, const ReaderIdentity& reader,
                                     const core::Catalogue& c, int64_t unix_seconds,
                                     CheckedQuery* out) {
  for (const std::string& code : out->filter.indicators) {
    const core::Indicator& indicator = *c.FindIndicator(code);
    core::ShareDecision d = c.DecideShare(reader.department, code, q.level, unix_seconds);
    if (!d.allowed()) {
      return QueryRefusalOf{FromVerdict(d.verdict), RefusalSentence(reader, indicator, d),
                            indicator.department, d.agreement ? d.agreement->code : ""};
    }
    Grant grant{indicator.department, d.agreement ? d.agreement->code : "",
                d.verdict == core::ShareVerdict::kOwnData ||
                    d.agreement->level == core::ShareLevel::kEnterprise};
    if (grant.unsuppressed) out->filter.unsuppressed.insert(code);
    out->grants.emplace(code, std::move(grant));
  }
  return std::nullopt;
}

}  // namespace

std::string SummariseQuery(const wire::QueryRequest& q, const core::Catalogue& c) {
  std::string s = "indicators=";
  for (size_t i = 0; i < q.indicators.size(); ++i) {
    s += (i ? "," : "") + (c.FindIndicator(q.indicators[i]) ? q.indicators[i] : std::string("?"));
  }
  s += " parks=";
  if (q.parks.empty()) s += "*";
  for (size_t i = 0; i < q.parks.size(); ++i) {
    s += (i ? "," : "") + (c.FindPark(q.parks[i]) ? q.parks[i] : std::string("?"));
  }
  auto period = [](const std::string& t) {
    return t.empty() ? std::string() : core::Period::Parse(t) ? t : std::string("?");
  };
  s += " periods=" + period(q.period_from) + ".." + period(q.period_to);
  s += " level=" + std::string(core::ShareLevelName(q.level));
  s += " entities=" + std::to_string(q.entities.size());
  s += " page_size=" + std::to_string(q.page_size);
  s += " offset=" + (q.continuation.empty() ? "0" : AllDigits(q.continuation) ? q.continuation : "?");
  return s;
}

std::optional<QueryRefusalOf> CheckQuery(const wire::QueryRequest& q, const ReaderIdentity& reader,
                                         const core::Catalogue& catalogue, int64_t unix_seconds,
                                         CheckedQuery* out) {
  out->filter.level = q.level;
  if (auto r = CheckCodes(q, catalogue, &out->filter)) return r;
  if (auto r = CheckPeriods(q, &out->filter)) return r;
  if (!q.continuation.empty()) {
    if (!AllDigits(q.continuation)) return Bad("续页标记无效");
    if (q.as_of == 0) return Bad("续页请求必须带上第一页的 asOf");
    out->offset = std::stoull(q.continuation);
  }
  return Decide(q, reader, catalogue, unix_seconds, out);
}

}  // namespace kpihub::exchange
