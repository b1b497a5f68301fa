// Store::Verify's fold: the cells must equal what the observations add up to, exactly.
#include <map>

#include "codec.h"
#include "snapshot.h"

namespace kpihub::store::internal {
namespace {

// Cell keys only hold indicator, park and period: a difference line can never name an entity.
std::string CellName(std::string_view cell_key) {
  std::string indicator, park, period;
  if (!DecodeCellKey(cell_key, &indicator, &park, &period)) return "undecodable cell key";
  return "indicator=" + indicator + " park=" + park + " period=" + period;
}

std::string Describe(const CellValue& cell) {
  return "sum=" + cell.sum.ToString() + " entities=" + std::to_string(cell.entities);
}

Status FoldObservations(MDB_txn* txn, const Tables& tables,
                        std::map<std::string, CellValue, std::less<>>* fresh) {
  return ScanPrefix(txn, tables.obs, "", [&](std::string_view key, std::string_view value) {
    core::FigureKey figure;
    core::Decimal v;
    if (!DecodeFigureKey(key, &figure) || !DecodeObservationValue(value, &v)) {
      return Corrupt("obs", "undecodable record");
    }
    CellValue& cell = (*fresh)[EncodeCellKey(figure.indicator, figure.park, figure.period)];
    cell.sum += v;
    if (!figure.entity.empty()) ++cell.entities;
    return Status::Ok();
  });
}

}  // namespace

Status LmdbSnapshot::VerifyCells(std::vector<std::string>* differences) {
  differences->clear();
  std::map<std::string, CellValue, std::less<>> fresh;
  if (Status s = FoldObservations(txn_.get(), tables_, &fresh); !s.ok()) return s;
  Status s = ScanPrefix(txn_.get(), tables_.cells, "",
                        [&](std::string_view key, std::string_view value) {
                          CellValue stored;
                          if (!DecodeCellValue(value, &stored)) {
                            return Corrupt("cells", "undecodable record");
                          }
                          const auto it = fresh.find(key);
                          if (it == fresh.end()) {
                            differences->push_back(CellName(key) + ": stored " + Describe(stored) +
                                                   ", no observations");
                            return Status::Ok();
                          }
                          if (it->second.sum != stored.sum ||
                              it->second.entities != stored.entities) {
                            differences->push_back(CellName(key) + ": stored " + Describe(stored) +
                                                   ", recomputed " + Describe(it->second));
                          }
                          fresh.erase(it);
                          return Status::Ok();
                        });
  if (!s.ok()) return s;
  for (const auto& [key, cell] : fresh) {
    differences->push_back(CellName(key) + ": missing, recomputed " + Describe(cell));
  }
  return Status::Ok();
}

}  // namespace kpihub::store::internal
