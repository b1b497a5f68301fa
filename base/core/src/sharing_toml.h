// The [[agreement]] tables of the catalogue (docs/catalogue.md, "[[agreement]]"). Private to
// core; called by the catalogue loader after departments and indicators are read. Errors throw
// ConfigError with the file position.
#pragma once

#include <string_view>

#include "catalogue_builder.h"
#include "toml_fields.h"

namespace kpihub::core {

// One [[agreement]]: known departments, the provider's own indicators, enterprise level only
// on enterprise-level indicators, a "§n" clause, valid_from <= valid_until.
void ReadAgreement(const toml::table& table, std::string_view source, CatalogueBuilder& builder);

}  // namespace kpihub::core
