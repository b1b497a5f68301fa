// [[agreement]] loader. Every refusal names the offending value's position, so that an
// operator can fix an agreement without reading code.
#include "sharing_toml.h"

#include <set>
#include <string>

namespace kpihub::core {
namespace {

struct AgreementReader {
  TableReader& reader;
  const Catalogue& so_far;
  const std::string what;  // "agreement 'code'"

  std::vector<std::string> Consumers(const std::string& provider);
  std::vector<std::string> Indicators(const std::string& provider, ShareLevel level);
  ShareLevel Level();
  std::string Clause();
  int64_t Day(const char* key, const std::string& text);
};

std::vector<std::string> AgreementReader::Consumers(const std::string& provider) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const StringAt& c : reader.StringArray("consumers")) {
    if (so_far.FindDepartment(c.value) == nullptr) {
      reader.FailNode(*c.node, what + ": unknown department '" + c.value + "'");
    }
    if (c.value == provider) {
      reader.FailNode(*c.node, what + ": the provider '" + provider +
                                   "' cannot be a consumer (it reads its own figures anyway)");
    }
    if (!seen.insert(c.value).second) {
      reader.FailNode(*c.node, what + ": consumer '" + c.value + "' listed twice");
    }
    out.push_back(c.value);
  }
  return out;
}

std::vector<std::string> AgreementReader::Indicators(const std::string& provider,
                                                     ShareLevel level) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const StringAt& code : reader.StringArray("indicators")) {
    const Indicator* i = so_far.FindIndicator(code.value);
    if (i == nullptr) reader.FailNode(*code.node, what + ": unknown indicator '" + code.value + "'");
    if (i->department != provider) {
      reader.FailNode(*code.node, what + ": indicator '" + code.value + "' belongs to '" +
                                      i->department + "', not to the provider '" + provider + "'");
    }
    if (level == ShareLevel::kEnterprise && !i->enterprise_level) {
      reader.FailNode(*code.node, what + ": level \"enterprise\" needs enterprise-level indicators, '" +
                                      code.value + "' has park figures only");
    }
    if (!seen.insert(code.value).second) {
      reader.FailNode(*code.node, what + ": indicator '" + code.value + "' listed twice");
    }
    out.push_back(code.value);
  }
  return out;
}

ShareLevel AgreementReader::Level() {
  const std::string level = reader.String("level");
  if (level == "aggregate") return ShareLevel::kAggregate;
  if (level == "enterprise") return ShareLevel::kEnterprise;
  reader.Fail("level", what + ": level must be \"aggregate\" (park and zone figures) or "
                              "\"enterprise\" (each enterprise's figures, aggregates included)");
}

// "§" followed by a clause number without leading zero, as every clause in the catalogue.
std::string AgreementReader::Clause() {
  const std::string clause = reader.String("clause");
  const std::string_view mark = "§";
  bool ok = clause.size() > mark.size() && clause.size() <= mark.size() + 3 &&
            clause.compare(0, mark.size(), mark) == 0 && clause[mark.size()] != '0';
  for (size_t i = mark.size(); ok && i < clause.size(); ++i) {
    ok = clause[i] >= '0' && clause[i] <= '9';
  }
  if (!ok) reader.Fail("clause", what + ": clause must be \"§n\", the policy clause, e.g. \"§15\"");
  return clause;
}

int64_t AgreementReader::Day(const char* key, const std::string& text) {
  std::optional<int64_t> day = ParseZoneDay(text);
  if (!day) {
    reader.Fail(key, what + ": " + key + " \"" + text +
                         "\" must be a date \"YYYY-MM-DD\" (a day of the zone, UTC+8)");
  }
  return *day;
}

}  // namespace

void ReadAgreement(const toml::table& table, std::string_view source, CatalogueBuilder& builder) {
  TableReader reader(table, source, "[[agreement]]");
  SharingAgreement a;
  a.code = reader.Code("code");
  AgreementReader r{reader, builder.partial(), "agreement '" + a.code + "'"};
  a.name_zh = reader.String("name_zh");
  a.provider = reader.Code("provider");
  if (r.so_far.FindDepartment(a.provider) == nullptr) {
    reader.Fail("provider", r.what + ": unknown department '" + a.provider + "'");
  }
  a.consumers = r.Consumers(a.provider);
  a.level = r.Level();
  a.indicators = r.Indicators(a.provider, a.level);
  a.purpose_zh = reader.String("purpose_zh");
  a.clause = r.Clause();
  a.valid_from_day = r.Day("valid_from", reader.String("valid_from"));
  if (std::optional<std::string> until = reader.OptionalString("valid_until")) {
    a.valid_until_day = r.Day("valid_until", *until);
    if (*a.valid_until_day < a.valid_from_day) {
      reader.Fail("valid_until", r.what + ": valid_until is before valid_from");
    }
  }
  reader.RejectUnknownKeys();
  std::string code = a.code;
  if (!builder.AddAgreement(std::move(a))) reader.Fail("code", "duplicate agreement '" + code + "'");
}

}  // namespace kpihub::core
