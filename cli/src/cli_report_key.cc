#include "cli_report_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <toml++/toml.h>

#include "kpihub/platform/file.h"

namespace kpihub::cli {
namespace {

void InitSodium() {
  static const int ready = sodium_init();  // thread-safe; 1 when already initialised
  if (ready < 0) throw std::runtime_error("libsodium could not be initialised");
}

Result<std::string> KeyField(const toml::table& table, const char* name, size_t bytes,
                             const std::string& path) {
  auto text = table[name].value<std::string>();
  if (!text) return Status::InvalidArgument(path + ": no " + name);
  auto raw = FromBase64(*text);
  if (!raw || raw->size() != bytes) {
    return Status::InvalidArgument(path + ": " + name + " is not a base64 Ed25519 key");
  }
  return *raw;
}

}  // namespace

std::string Base64(std::string_view bytes) {
  InitSodium();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  InitSodium();
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

ReportKey GenerateReportKey() {
  InitSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  ReportKey key{std::string(reinterpret_cast<char*>(pk), sizeof pk),
                std::string(reinterpret_cast<char*>(sk), sizeof sk)};
  sodium_memzero(sk, sizeof sk);
  return key;
}

std::string ReportPublicKeyPath(const std::string& secret_path) {
  const std::string ext = ".key";
  if (secret_path.size() > ext.size() &&
      secret_path.compare(secret_path.size() - ext.size(), ext.size(), ext) == 0) {
    return secret_path.substr(0, secret_path.size() - ext.size()) + ".pub";
  }
  return secret_path + ".pub";
}

Status WriteReportKeyFiles(const std::string& secret_path, const ReportKey& key) {
  const std::string pub = "public_key = \"" + Base64(key.public_key) + "\"\n";
  const std::string sec = "# Ed25519 report key of kpihub report: keep it private (mode 0600).\n" +
                          pub + "secret_key = \"" + Base64(key.secret_key) + "\"\n";
  if (Status s = platform::WriteNewFile(secret_path, sec, 0600); !s.ok()) return s;
  Status s = platform::WriteNewFile(ReportPublicKeyPath(secret_path),
                          "# Ed25519 public key that checks kpihub reports\n" + pub, 0644);
  if (!s.ok()) ::unlink(secret_path.c_str());  // no lone secret half without its public one
  return s;
}

Result<ReportKey> ReadReportKey(const std::string& path, bool need_secret) {
  auto text = platform::ReadRegularFile(path, 1 << 16);
  if (!text.ok()) return text.status();
  toml::table table;
  try {
    table = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ": not a report key file (" +
                                   std::string(e.description()) + ")");
  }
  ReportKey key;
  auto pub = KeyField(table, "public_key", crypto_sign_PUBLICKEYBYTES, path);
  if (!pub.ok()) return pub.status();
  key.public_key = *pub;
  if (!need_secret) return key;
  auto sec = KeyField(table, "secret_key", crypto_sign_SECRETKEYBYTES, path);
  if (!sec.ok()) return sec.status();
  key.secret_key = *sec;
  return key;
}

std::string SignDetached(std::string_view message, const ReportKey& key) {
  InitSodium();
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return std::string(reinterpret_cast<char*>(sig), sizeof sig);
}

bool VerifyDetached(std::string_view signature, std::string_view message,
                    const std::string& public_key) {
  InitSodium();
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

std::string Sha256Hex(std::string_view data) {
  InitSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace kpihub::cli
