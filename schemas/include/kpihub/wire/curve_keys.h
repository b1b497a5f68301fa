// CURVE key pairs and the files that hold them. A secret key file holds both halves and is
// written with mode 0600; a public key file holds only the public half. Format (TOML):
//   public_key = "<40 Z85 chars>"
//   secret_key = "<40 Z85 chars>"      (secret files only)
// Functions are thread-safe.
#pragma once

#include <string>

#include "kpihub/core/status.h"

namespace kpihub::wire {

struct CurveKeyPair {
  std::string public_z85;
  std::string secret_z85;  // empty when only the public half is known
};

// A fresh key pair from libzmq's CSPRNG.
CurveKeyPair GenerateCurveKeyPair();

// Reads a key file; the failure's message is "<path>: <reason>".
Result<CurveKeyPair> ReadKeyFile(const std::string& path, bool need_secret);

// What a client connects with: its own pair and the server's public key.
struct ClientKeys {
  CurveKeyPair mine;
  std::string server_public_z85;
};
// Reads the client's secret key file, then the server's public key file; the first that
// cannot be read is the error.
Result<ClientKeys> ReadClientKeys(const std::string& key_file, const std::string& server_key_file);
// Writes `<dir>/<name>.key` (0600, both halves) and `<dir>/<name>.pub` (0644), those modes
// whatever the umask. Refuses to overwrite either, and then leaves no file of its own.
Status WriteKeyFiles(const std::string& dir, const std::string& name, const CurveKeyPair& keys);

}  // namespace kpihub::wire
