// kpihub-subscribe-bench: N subscribers on kpihubd's exchange socket, each with a reading key
// of its own (reader-0.key ... from `kpihub-bench keys --readers N`), subscribed at enterprise
// level to the given indicators and returning one credit per message, as a department's
// consumer does. Writes READY_FILE once every subscription has its snapshot, then records for
// every changed row how long after the daemon received its batch the row arrived (the row's
// changed_unix_ms against this machine's clock: both are the same clock), until SIGTERM or
// --seconds. Prints one JSON line with the latencies' percentiles.
#include <CLI/CLI.hpp>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "kpihub/platform/curve_dealer.h"
#include "kpihub/wire/curve_keys.h"
#include "kpihub/wire/query_codec.h"

namespace {

using namespace kpihub;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Subscriber {
  zmq::socket_t socket;
  bool snapshot_done = false;
  bool ended = false;
};

struct Totals {
  uint64_t messages = 0, rows = 0, ended = 0;
  std::vector<int64_t> latency_ms;
};

void Send(zmq::socket_t& s, wire::RequestMode mode, uint32_t credit,
          const std::vector<std::string>& indicators) {
  wire::QueryRequest q;
  q.request_id = 1;
  q.mode = mode;
  q.credit = credit;
  if (mode == wire::RequestMode::kSubscribe) {
    q.indicators = indicators;
    q.level = core::ShareLevel::kEnterprise;
  }
  const std::string frame = wire::EncodeQuery(q);
  (void)s.send(zmq::buffer(frame), zmq::send_flags::dontwait);
}

// Takes every message waiting on `sub`, returning a credit for each data message.
void Drain(Subscriber& sub, Totals& t) {
  zmq::message_t frame;
  while (sub.socket.recv(frame, zmq::recv_flags::dontwait)) {
    auto page = wire::DecodeQueryPage(frame.data(), frame.size());
    if (!page) continue;
    if (page->kind == wire::PageKind::kEnded) {
      sub.ended = true;
      ++t.ended;
      continue;
    }
    if (page->kind == wire::PageKind::kHeartbeat) continue;
    Send(sub.socket, wire::RequestMode::kCredit, 1, {});
    if (page->kind == wire::PageKind::kSnapshot) {
      sub.snapshot_done |= page->snapshot_done;
      continue;
    }
    ++t.messages;
    const int64_t now = WallMs();
    for (const auto& row : page->enterprise_rows) {
      t.latency_ms.push_back(now - row.changed_unix_ms);
      ++t.rows;
    }
  }
}

int64_t Percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return -1;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Reads every subscriber's messages until SIGTERM or `seconds`, keeping them alive; writes
// `ready_file` once every snapshot is in (the latencies count from then).
Totals Serve(std::vector<Subscriber>& subs, double seconds, const std::string& ready_file,
             bool* ready_out) {
  Totals totals;
  bool& ready = *ready_out;
  const auto start = std::chrono::steady_clock::now();
  auto last_keepalive = start;
  std::vector<zmq::pollitem_t> items;
  for (auto& s : subs) items.push_back({s.socket.handle(), 0, ZMQ_POLLIN, 0});
  while (!g_stop) {
    const auto now = std::chrono::steady_clock::now();
    if (seconds > 0 && now - start > std::chrono::duration<double>(seconds)) break;
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // SIGTERM: the loop ends at its top
      throw;
    }
    for (size_t i = 0; i < subs.size(); ++i) {
      if (items[i].revents & ZMQ_POLLIN) Drain(subs[i], totals);
    }
    if (now - last_keepalive > std::chrono::seconds(5)) {
      for (auto& s : subs) Send(s.socket, wire::RequestMode::kCredit, 0, {});
      last_keepalive = now;
    }
    if (!ready && std::all_of(subs.begin(), subs.end(), [](const Subscriber& s) { return s.snapshot_done; })) {
      ready = true;
      totals = Totals{totals.messages, totals.rows, totals.ended, {}};  // snapshot time not counted
      if (!ready_file.empty()) std::ofstream(ready_file) << "ready\n";
    }
  }
  return totals;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kpihub-subscribe-bench: subscribers on the exchange socket, change latency"};
  std::string endpoint, server_pub, keys_dir, ready_file;
  int readers = 100;
  double seconds = 0;
  std::vector<std::string> indicators{"hightech_certified"};
  app.add_option("--endpoint", endpoint)->required();
  app.add_option("--server-pub", server_pub)->required();
  app.add_option("--keys-dir", keys_dir)->required();
  app.add_option("--readers", readers);
  app.add_option("--indicator", indicators);
  app.add_option("--seconds", seconds, "stop after this long (0: at SIGTERM)");
  app.add_option("--ready-file", ready_file);
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  auto server = wire::ReadKeyFile(server_pub, false);
  if (!server.ok()) {
    std::printf("{\"error\":\"%s\"}\n", server.status().message().c_str());
    return 1;
  }
  zmq::context_t context(1);
  std::vector<Subscriber> subs;
  for (int i = 0; i < readers; ++i) {
    auto keys = wire::ReadKeyFile(keys_dir + "/reader-" + std::to_string(i) + ".key", true);
    if (!keys.ok()) {
      std::printf("{\"error\":\"%s\"}\n", keys.status().message().c_str());
      return 1;
    }
    auto options = platform::CurveClient(server->public_z85, keys->public_z85, keys->secret_z85);
    subs.push_back({platform::NewCurveDealer(context, options)});
    subs.back().socket.connect(endpoint);
    Send(subs.back().socket, wire::RequestMode::kSubscribe, 16, indicators);
  }
  bool ready = false;
  Totals totals = Serve(subs, seconds, ready_file, &ready);
  auto& l = totals.latency_ms;
  const int64_t p50 = Percentile(l, 0.50), p99 = Percentile(l, 0.99), p999 = Percentile(l, 0.999);
  const int64_t max = l.empty() ? -1 : *std::max_element(l.begin(), l.end());
  std::printf("{\"subscribers\":%d,\"ready\":%s,\"messages\":%llu,\"rows\":%llu,\"ended\":%llu,"
              "\"p50_ms\":%lld,\"p99_ms\":%lld,\"p999_ms\":%lld,\"max_ms\":%lld}\n",
              readers, ready ? "true" : "false", static_cast<unsigned long long>(totals.messages),
              static_cast<unsigned long long>(l.size()), static_cast<unsigned long long>(totals.ended),
              static_cast<long long>(p50), static_cast<long long>(p99), static_cast<long long>(p999),
              static_cast<long long>(max));
  return ready ? 0 : 2;
}
