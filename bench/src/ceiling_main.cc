// kpihub-ceiling: the least a durable ingest over this transport can do, as the yardstick for
// kpihubd. It receives the same Batch frames on a CURVE ROUTER socket (same socket options,
// no ZAP registry), decodes them with the same codec, and puts each observation into one
// LMDB table under the same key layout, folding up to the same number of frames into one
// write transaction committed with the same sync (mdb_txn_commit, no MDB_NOSYNC) before any
// ack. What it leaves out is kpihub's own work: key registry checks, validation, the merge
// with the stored figure, cells, history, journal, dead letters, sender state in LMDB and
// metrics. Sequences are checked in memory per connection so that the load generator's probe
// and acks work unchanged.
//
//   kpihub-ceiling --server-key server.key --state-dir DIR --ready-file FILE
//                  [--listen tcp://127.0.0.1:*]
#include <lmdb.h>
#include <signal.h>
#include <zmq.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "kpihub/wire/codec.h"
#include "kpihub/wire/curve_keys.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

constexpr size_t kMaxGroupBatches = 512;        // kpihubd's max_group_batches default
constexpr size_t kMaxGroupObservations = 10000;  // IngestOptions::max_group_observations

struct Frame {
  zmq::message_t routing_id;
  std::string peer;
  kpihub::wire::AckMessage ack;
  std::vector<kpihub::core::Observation> observations;  // to put when accepted
};

class Ceiling {
 public:
  Ceiling(MDB_env* env, MDB_dbi dbi, zmq::socket_t& router) : env_(env), dbi_(dbi), router_(router) {}

  // One group: every frame waiting (bounded), one transaction, one sync, then the acks.
  bool ServeGroup() {
    std::vector<Frame> group;
    size_t observations = 0;
    while (group.size() < kMaxGroupBatches && observations < kMaxGroupObservations) {
      Frame f;
      if (!Receive(&f)) break;
      observations += f.observations.size();
      group.push_back(std::move(f));
    }
    if (group.empty()) return true;
    if (!Commit(group)) return false;
    for (Frame& f : group) {
      std::string bytes = kpihub::wire::EncodeAck(f.ack);
      zmq::message_t id(f.routing_id.data(), f.routing_id.size());
      try {
        (void)router_.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        (void)router_.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
      }
    }
    return true;
  }

 private:
  bool Receive(Frame* f) {
    if (!router_.recv(f->routing_id, zmq::recv_flags::dontwait)) return false;
    zmq::message_t body;
    (void)router_.recv(body);
    while (body.more()) (void)router_.recv(body);  // a batch is one frame; keep the last
    f->peer.assign(static_cast<const char*>(f->routing_id.data()), f->routing_id.size());
    auto decoded = kpihub::wire::DecodeBatch(body.data(), body.size(), limits_);
    if (!decoded.batch.ok()) {
      f->ack.status = kpihub::wire::AckStatus::kMalformed;
      f->ack.frame_reason = decoded.reason;
      return true;
    }
    auto& batch = *decoded.batch;
    uint64_t& last = last_sequence_[f->peer];
    f->ack.sequence = batch.sequence;
    if (batch.sequence != last + 1) {
      f->ack.status = kpihub::wire::AckStatus::kOutOfOrder;
      f->ack.next_expected = last + 1;
      return true;
    }
    last = batch.sequence;
    f->ack.status = kpihub::wire::AckStatus::kAccepted;
    f->ack.next_expected = last + 1;
    f->observations = std::move(batch.observations);
    return true;
  }

  bool Commit(const std::vector<Frame>& group) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0) return Fail("begin", rc);
    std::string key;
    for (const Frame& f : group) {
      for (const auto& obs : f.observations) {
        key.clear();
        key.append(obs.indicator).push_back('\0');
        key.append(obs.park).push_back('\0');
        key.append(obs.period).push_back('\0');
        key.append(obs.entity);
        MDB_val k{key.size(), key.data()};
        double value = obs.value;
        MDB_val v{sizeof value, &value};
        if (int rc = mdb_put(txn, dbi_, &k, &v, 0); rc != 0) {
          mdb_txn_abort(txn);
          return Fail("put", rc);
        }
      }
    }
    if (int rc = mdb_txn_commit(txn); rc != 0) return Fail("commit", rc);
    return true;
  }

  static bool Fail(const char* what, int rc) {
    std::fprintf(stderr, "kpihub-ceiling: %s: %s\n", what, mdb_strerror(rc));
    return false;
  }

  MDB_env* env_;
  MDB_dbi dbi_;
  zmq::socket_t& router_;
  kpihub::wire::DecodeLimits limits_;
  std::map<std::string, uint64_t> last_sequence_;
};

MDB_env* OpenEnv(const std::string& dir, MDB_dbi* dbi) {
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 4);
  mdb_env_set_mapsize(env, 64ull << 30);
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600); rc != 0) {
    std::fprintf(stderr, "kpihub-ceiling: open %s: %s\n", dir.c_str(), mdb_strerror(rc));
    return nullptr;
  }
  MDB_txn* txn = nullptr;
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, "obs", MDB_CREATE, dbi);
  mdb_txn_commit(txn);
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpihub-ceiling: receive, decode and durably put observations, nothing else"};
  std::string server_key, state_dir, ready_file, listen = "tcp://127.0.0.1:*";
  app.add_option("--server-key", server_key, "the daemon's server.key")->required();
  app.add_option("--state-dir", state_dir, "an existing directory for the LMDB files")->required();
  app.add_option("--ready-file", ready_file, "written with ingest=ENDPOINT once bound")->required();
  app.add_option("--listen", listen, "ZeroMQ endpoint");
  CLI11_PARSE(app, argc, argv);

  auto keys = kpihub::wire::ReadKeyFile(server_key, true);
  if (!keys.ok()) {
    std::fprintf(stderr, "kpihub-ceiling: %s\n", keys.status().message().c_str());
    return 1;
  }
  MDB_dbi dbi = 0;
  MDB_env* env = OpenEnv(state_dir, &dbi);
  if (env == nullptr) return 1;
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);

  zmq::context_t context(1);
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, keys->secret_z85);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::sndhwm, 100000);
  router.set(zmq::sockopt::rcvhwm, 1000);
  router.set(zmq::sockopt::heartbeat_ivl, 5000);
  router.set(zmq::sockopt::heartbeat_timeout, 15000);
  router.bind(listen);
  {
    std::ofstream ready(ready_file + ".tmp");
    ready << "ingest=" << router.get(zmq::sockopt::last_endpoint) << "\n";
  }
  std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());

  Ceiling ceiling(env, dbi, router);
  std::vector<zmq::pollitem_t> items = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  int code = 0;
  while (!g_stop) {
    try {
      zmq::poll(items, std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if ((items[0].revents & ZMQ_POLLIN) && !ceiling.ServeGroup()) {
      code = 1;
      break;
    }
  }
  router.close();
  mdb_env_close(env);
  return code;
}
