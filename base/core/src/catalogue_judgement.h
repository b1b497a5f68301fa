// What a KPI is judged against and the yes/no milestones: the parts of the catalogue that say
// what a status means (docs/catalogue.md, "Judgement" and "[[milestone]]"). Private to core;
// called by the catalogue loader. Errors throw ConfigError with the file position.
#pragma once

#include <string_view>

#include "catalogue_builder.h"
#include "toml_fields.h"

namespace kpihub::core {

// strength, deadline, park_scope and [[kpi.park_target]] of one [[kpi]]. Parks must be known.
void ReadJudgement(TableReader& reader, const Catalogue& so_far, Kpi& kpi);

// One [[milestone]]: its code may not be an indicator's (both are observation codes).
void ReadMilestone(const toml::table& table, std::string_view source, CatalogueBuilder& builder);

}  // namespace kpihub::core
