// CatalogueBuilder: assembles a Catalogue item by item, keeping its lookup indexes in step so
// that later items can be checked against earlier ones (an indicator's owner department, a
// KPI's indicators). Knows nothing about TOML; the loader reports positions. Private to core.
#pragma once

#include <memory>

#include "kpihub/core/catalogue.h"

namespace kpihub::core {

class CatalogueBuilder {
 public:
  CatalogueBuilder() : catalogue_(std::make_shared<Catalogue>()) {}

  // The catalogue so far, for lookups while building.
  const Catalogue& partial() const { return *catalogue_; }

  // Each returns false, and adds nothing, when the code is already taken.
  bool AddDepartment(Department department);
  bool AddPark(Park park);
  bool AddIndicator(Indicator indicator);
  bool AddKpi(Kpi kpi);
  bool AddRule(Rule rule);
  bool AddMilestone(Milestone milestone);
  bool AddAgreement(SharingAgreement agreement);
  void SetAtRiskTolerance(double tolerance) { catalogue_->at_risk_tolerance_ = tolerance; }
  void SetClosingFromYear(int year) { catalogue_->closing_from_year_ = year; }
  void SetDominance(uint32_t top, double share) {
    catalogue_->dominance_top_ = top;
    catalogue_->dominance_share_ = share;
  }

  // Hands over the finished catalogue; the builder is empty afterwards.
  std::shared_ptr<const Catalogue> Finish(std::string fingerprint);

 private:
  std::shared_ptr<Catalogue> catalogue_;
};

// 64-bit FNV-1a of `text` as 16 lowercase hex digits.
std::string Fnv1a64Hex(std::string_view text);

}  // namespace kpihub::core
