#include "pull_output.h"

#include <ctime>

#include "kpihub/feed/text_encoding.h"

namespace kpihub::adapter {
namespace {

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + CsvField(fields[i]);
  return line + "\r\n";
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The layout whose column names head the CSV: the first with an entity column, else the first.
const feed::Layout* HeaderLayout(const feed::Profile& profile) {
  for (const auto& layout : profile.layouts) {
    if (!layout.entity_column.empty()) return &layout;
  }
  return profile.layouts.empty() ? nullptr : &profile.layouts.front();
}

std::string ValueHeader(const feed::Profile* profile, const std::vector<std::string>& indicators) {
  if (profile == nullptr || indicators.size() != 1) return "数值";
  for (const auto& layout : profile->layouts) {
    for (const auto& column : layout.columns) {
      if (column.indicator == indicators[0]) return column.name;
    }
  }
  return "数值";
}

}  // namespace

std::string BeijingTime(int64_t unix_ms) {
  const time_t t = static_cast<time_t>(unix_ms / 1000 + 8 * 3600);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

PullOutput::PullOutput(PullFormat format, bool gb18030, core::ShareLevel level,
                       const std::vector<std::string>& indicators, const feed::Profile* profile)
    : format_(format), gb18030_(gb18030) {
  const feed::Layout* layout = profile ? HeaderLayout(*profile) : nullptr;
  auto name = [&](const std::string& column, const char* fixed) {
    return layout && !column.empty() ? column : std::string(fixed);
  };
  const std::string park = name(layout ? layout->park_column : "", "园区");
  const std::string period = name(layout ? layout->period_column : "", "期间");
  const std::string value = ValueHeader(profile, indicators);
  if (level == core::ShareLevel::kEnterprise) {
    const std::string entity = name(layout ? layout->entity_column : "", "统一社会信用代码");
    headers_ = {"指标", park, entity, period, value, "变更时间", "共享协议"};
  } else {
    headers_ = {"指标", park, period, value, "不予公开", "企业数", "共享协议"};
  }
}

std::string PullOutput::Rows(const wire::QueryPageMessage& page) const {
  std::string out;
  const std::string kind(wire::PageKindName(page.kind));
  const std::string change = page.change.ToString();
  for (const auto& r : page.enterprise_rows) {
    if (format_ == PullFormat::kCsv) {
      out += CsvLine({r.indicator, r.park, r.entity, r.period, r.value,
                      BeijingTime(r.changed_unix_ms), r.agreement});
    } else {
      out += "{\"kind\":" + JsonString(kind) + ",\"change\":" + JsonString(change) +
             ",\"indicator\":" + JsonString(r.indicator) + ",\"park\":" + JsonString(r.park) +
             ",\"entity\":" + JsonString(r.entity) + ",\"period\":" + JsonString(r.period) +
             ",\"value\":" + JsonString(r.value) +
             ",\"changed_unix_ms\":" + std::to_string(r.changed_unix_ms) +
             ",\"agreement\":" + JsonString(r.agreement) + "}\n";
    }
  }
  for (const auto& r : page.aggregate_rows) {
    if (format_ == PullFormat::kCsv) {
      out += CsvLine({r.indicator, r.park, r.period, r.withheld ? "" : r.value,
                      r.withheld ? "不予公开" : "", std::to_string(r.entities), r.agreement});
    } else {
      out += "{\"kind\":" + JsonString(kind) + ",\"change\":" + JsonString(change) +
             ",\"indicator\":" + JsonString(r.indicator) + ",\"park\":" + JsonString(r.park) +
             ",\"period\":" + JsonString(r.period) +
             ",\"value\":" + (r.withheld ? std::string("null") : JsonString(r.value)) +
             ",\"withheld\":" + (r.withheld ? "true" : "false") +
             ",\"entities\":" + std::to_string(r.entities) +
             ",\"agreement\":" + JsonString(r.agreement) + "}\n";
    }
  }
  return out;
}

std::string PullOutput::File(const std::string& rows) const {
  if (format_ == PullFormat::kJsonl) return rows;
  const std::string text = CsvLine(headers_) + rows;
  return gb18030_ ? feed::FromUtf8(text, "gb18030") : text;
}

}  // namespace kpihub::adapter
