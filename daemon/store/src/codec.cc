#include "codec.h"

#include <cstring>

namespace kpihub::store::internal {

bool IsKeyField(std::string_view field) { return field.find('\0') == std::string_view::npos; }

bool SplitKey(std::string_view bytes, size_t count, std::vector<std::string_view>* fields) {
  fields->clear();
  for (;;) {
    const size_t nul = bytes.find('\0');
    fields->push_back(bytes.substr(0, nul));
    if (fields->size() > count) return false;
    if (nul == std::string_view::npos) break;
    bytes.remove_prefix(nul + 1);
  }
  return fields->size() == count;
}

std::string EncodeCellKey(std::string_view indicator, std::string_view park,
                          std::string_view period) {
  std::string key;
  key.reserve(indicator.size() + park.size() + period.size() + 2);
  key.append(indicator).push_back('\0');
  key.append(park).push_back('\0');
  key.append(period);
  return key;
}

bool DecodeCellKey(std::string_view bytes, std::string* indicator, std::string* park,
                   std::string* period) {
  std::vector<std::string_view> f;
  if (!SplitKey(bytes, 3, &f)) return false;
  indicator->assign(f[0]);
  park->assign(f[1]);
  period->assign(f[2]);
  return true;
}

std::string EncodeFigureKey(const core::FigureKey& key) {
  std::string out;
  AppendFigureKey(&out, key);
  return out;
}

void AppendFigureKey(std::string* out, const core::FigureKey& key) {
  out->reserve(out->size() + key.indicator.size() + key.park.size() + key.period.size() +
               key.entity.size() + 3);
  out->append(key.indicator).push_back('\0');
  out->append(key.park).push_back('\0');
  out->append(key.period).push_back('\0');
  out->append(key.entity);
}

bool DecodeFigureKey(std::string_view bytes, core::FigureKey* key) {
  std::vector<std::string_view> f;
  if (!SplitKey(bytes, 4, &f)) return false;
  key->indicator.assign(f[0]);
  key->park.assign(f[1]);
  key->period.assign(f[2]);
  key->entity.assign(f[3]);
  return true;
}

}  // namespace kpihub::store::internal
