// The report key: an Ed25519 key pair (libsodium) that signs the fingerprint of a leadership
// report (`kpihub report`), and SHA-256 for the fingerprint itself. Files (TOML, base64):
//   <name>.key  public_key = "...", secret_key = "..."   mode 0600
//   <name>.pub  public_key = "..."                        mode 0644
// Thread-safe (libsodium is initialised once, on first use).
#pragma once

#include <string>
#include <optional>
#include <string_view>

#include "kpihub/core/status.h"

namespace kpihub::cli {

struct ReportKey {
  std::string public_key;  // 32 bytes, raw
  std::string secret_key;  // 64 bytes, raw; empty when only the public half was read
};

ReportKey GenerateReportKey();
// Writes `secret_path` (0600) and its .pub beside it (ReportPublicKeyPath); refuses to
// overwrite either and then leaves no file behind.
Status WriteReportKeyFiles(const std::string& secret_path, const ReportKey& key);
// `report.key` -> `report.pub` (any other name: the name plus ".pub").
std::string ReportPublicKeyPath(const std::string& secret_path);
// Reads a .key (need_secret) or a .pub file; "<path>: <reason>" on failure.
Result<ReportKey> ReadReportKey(const std::string& path, bool need_secret);

std::string SignDetached(std::string_view message, const ReportKey& key);  // 64 bytes
bool VerifyDetached(std::string_view signature, std::string_view message,
                    const std::string& public_key);
std::string Sha256Hex(std::string_view data);
std::string Base64(std::string_view bytes);
std::optional<std::string> FromBase64(std::string_view text);

}  // namespace kpihub::cli
