#include "kpihub/wire/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

#include "kpihub/platform/file.h"

namespace kpihub::wire {
namespace {

bool IsZ85Key(const std::string& s) {
  if (s.size() != 40) return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, s.c_str()) != nullptr;
}

}  // namespace

CurveKeyPair GenerateCurveKeyPair() {
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) {
    throw std::runtime_error("zmq_curve_keypair failed: libzmq built without CURVE support");
  }
  return CurveKeyPair{pub, sec};
}

Result<CurveKeyPair> ReadKeyFile(const std::string& path, bool need_secret) {
  auto text = platform::ReadRegularFile(path, 1 << 20);
  if (!text.ok()) return text.status();
  toml::table table;
  try {
    table = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    return Status::InvalidArgument(os.str());
  }
  CurveKeyPair keys;
  keys.public_z85 = table["public_key"].value_or(std::string());
  keys.secret_z85 = table["secret_key"].value_or(std::string());
  if (!IsZ85Key(keys.public_z85)) {
    return Status::InvalidArgument(path + ": public_key missing or not a 40-character Z85 key");
  }
  if (need_secret && !IsZ85Key(keys.secret_z85)) {
    return Status::InvalidArgument(path + ": secret_key missing or not a 40-character Z85 key");
  }
  return keys;
}

Result<ClientKeys> ReadClientKeys(const std::string& key_file, const std::string& server_key_file) {
  auto mine = ReadKeyFile(key_file, /*need_secret=*/true);
  if (!mine.ok()) return mine.status();
  auto server = ReadKeyFile(server_key_file, /*need_secret=*/false);
  if (!server.ok()) return server.status();
  return ClientKeys{*std::move(mine), server->public_z85};
}

Status WriteKeyFiles(const std::string& dir, const std::string& name, const CurveKeyPair& keys) {
  std::string pub = "public_key = \"" + keys.public_z85 + "\"\n";
  std::string sec = "# CURVE secret key of " + name + ": keep it private (mode 0600).\n" + pub +
                    "secret_key = \"" + keys.secret_z85 + "\"\n";
  const std::string key_path = dir + "/" + name + ".key";
  if (Status s = platform::WriteNewFile(key_path, sec, 0600); !s.ok()) return s;
  Status s = platform::WriteNewFile(dir + "/" + name + ".pub", "# CURVE public key of " + name + "\n" + pub, 0644);
  // A refusal leaves nothing behind: a lone .key would make the next run refuse for a file
  // the operator never got a public half of.
  if (!s.ok()) ::unlink(key_path.c_str());
  return s;
}

}  // namespace kpihub::wire
