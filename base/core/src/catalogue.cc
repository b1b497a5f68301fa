// Catalogue lookups and the builder that fills it. The TOML loader is catalogue_toml.cc.
#include "kpihub/core/catalogue.h"

#include <cstdio>
#include <utility>

#include "catalogue_builder.h"

namespace kpihub::core {
namespace {

// Appends `item` to `items` and indexes it by code, unless the code is taken.
template <typename T>
bool AddIndexed(std::vector<T>& items, std::unordered_map<std::string, size_t>& index, T item) {
  if (index.count(item.code) != 0) return false;
  index.emplace(item.code, items.size());
  items.push_back(std::move(item));
  return true;
}

template <typename T>
const T* FindIndexed(const std::vector<T>& items,
                     const std::unordered_map<std::string, size_t>& index, std::string_view code) {
  // C++20 heterogeneous lookup needs a transparent hash; the maps are small, so build a key.
  auto it = index.find(std::string(code));
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

const Department* Catalogue::FindDepartment(std::string_view code) const {
  return FindIndexed(departments_, department_index_, code);
}
const Park* Catalogue::FindPark(std::string_view code) const {
  return FindIndexed(parks_, park_index_, code);
}
const Indicator* Catalogue::FindIndicator(std::string_view code) const {
  return FindIndexed(indicators_, indicator_index_, code);
}
const Kpi* Catalogue::FindKpi(std::string_view code) const {
  return FindIndexed(kpis_, kpi_index_, code);
}

const Rule* Catalogue::FindRule(std::string_view code) const {
  return FindIndexed(rules_, rule_index_, code);
}

const Milestone* Catalogue::FindMilestone(std::string_view code) const {
  return FindIndexed(milestones_, milestone_index_, code);
}

const SharingAgreement* Catalogue::FindAgreementByCode(std::string_view code) const {
  return FindIndexed(agreements_, agreement_index_, code);
}

const ParkTarget* Kpi::FindParkTarget(std::string_view park) const {
  for (const ParkTarget& t : park_targets) {
    if (t.park == park) return &t;
  }
  return nullptr;
}

std::string_view StrengthName(Strength strength) {
  return strength == Strength::kStrive ? "strive" : "binding";
}

std::string_view StrengthZh(Strength strength) {
  return strength == Strength::kStrive ? "力争" : "约束性";
}

std::string_view DeadlineName(Deadline deadline) {
  return deadline == Deadline::kBefore ? "before" : "by";
}

std::string DeadlineZh(int target_year, Deadline deadline) {
  const std::string year = std::to_string(target_year);
  return deadline == Deadline::kBefore ? year + "年之前" : "到" + year + "年";
}

std::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kEntityTotalMax: return "entity_total_max";
    case RuleKind::kEntityMax: return "entity_max";
    case RuleKind::kEntityNotAbove: return "entity_not_above";
    case RuleKind::kParkNotAbove: return "park_not_above";
  }
  return "unknown";
}

bool CatalogueBuilder::AddDepartment(Department department) {
  return AddIndexed(catalogue_->departments_, catalogue_->department_index_, std::move(department));
}
bool CatalogueBuilder::AddPark(Park park) {
  return AddIndexed(catalogue_->parks_, catalogue_->park_index_, std::move(park));
}
bool CatalogueBuilder::AddIndicator(Indicator indicator) {
  return AddIndexed(catalogue_->indicators_, catalogue_->indicator_index_, std::move(indicator));
}
bool CatalogueBuilder::AddKpi(Kpi kpi) {
  return AddIndexed(catalogue_->kpis_, catalogue_->kpi_index_, std::move(kpi));
}

bool CatalogueBuilder::AddRule(Rule rule) {
  return AddIndexed(catalogue_->rules_, catalogue_->rule_index_, std::move(rule));
}

bool CatalogueBuilder::AddMilestone(Milestone milestone) {
  return AddIndexed(catalogue_->milestones_, catalogue_->milestone_index_, std::move(milestone));
}

bool CatalogueBuilder::AddAgreement(SharingAgreement agreement) {
  return AddIndexed(catalogue_->agreements_, catalogue_->agreement_index_, std::move(agreement));
}

std::shared_ptr<const Catalogue> CatalogueBuilder::Finish(std::string fingerprint) {
  catalogue_->fingerprint_ = std::move(fingerprint);
  return std::exchange(catalogue_, std::make_shared<Catalogue>());
}

std::string Fnv1a64Hex(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

}  // namespace kpihub::core
