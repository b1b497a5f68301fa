// Consumer: a department's reading link to kpihubd's exchange socket (docs/exchange.md) — a
// DEALER socket with CURVE client keys registered as [[consumer]] — that sends Query frames
// and reads QueryPage answers. Query() follows the continuation from page to page at the
// first page's as_of, so that every row is read once from one version of the data; when the
// daemon no longer keeps that version (as_of_expired) it starts again from the first page, a
// few times at most.
//
// Not thread-safe: one thread per Consumer (ZeroMQ sockets are single-threaded).
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kpihub/wire/curve_keys.h"
#include "kpihub/wire/query_codec.h"

namespace kpihub::client {

struct ConsumerOptions {
  std::string endpoint = "tcp://127.0.0.1:7731";
  std::string server_public_z85;
  wire::CurveKeyPair client_keys;  // a reading key ([[consumer]] in the daemon's registry)
  int heartbeat_ms = 5000;
  int send_timeout_ms = 5000;  // a send never waits longer (a refused key gets no session)
};

// Reads the department's reading key (secret) and the daemon's public key from their files
// into `options`; the first that cannot be read is the error.
Status LoadReadingKeys(const std::string& key_file, const std::string& server_key_file,
                       ConsumerOptions* options);

// What a department asks for, as `kpihub query` and `kpihub-adapter pull` take it.
struct QueryScope {
  std::vector<std::string> indicators, parks, entities;  // entities: credit codes
  std::string from, to;                                   // periods, e.g. 2019, 2019Q1
  std::string level = "aggregate";                        // or "enterprise"
  uint32_t page_size = 0;                                 // 0: the daemon's default
};

// The query request (mode query) for `scope`.
wire::QueryRequest ToRequest(const QueryScope& scope);

struct QueryResult {
  bool answered = false;          // every page was answered
  wire::QueryRefusal reason = wire::QueryRefusal::kNone;  // when refused
  std::string detail;             // the daemon's sentence, or what went wrong locally
  bool timed_out = false;         // no answer in time (daemon down, key refused, ...)
  uint64_t as_of = 0;
  uint32_t pages = 0;
  uint32_t restarts = 0;          // as_of_expired restarts
  std::vector<wire::EnterpriseRowValue> enterprise;
  std::vector<wire::AggregateRowValue> aggregate;
};

class Consumer {
 public:
  Consumer(zmq::context_t& context, const ConsumerOptions& options);

  // One request, one answer: nullopt on timeout or an unreadable answer. Answers to other
  // request ids (late answers of an earlier attempt) are skipped.
  std::optional<wire::QueryPageMessage> RequestPage(wire::QueryRequest query, int timeout_ms);
  // Every page of `query` (its continuation and as_of are set here). `on_page`, when given,
  // sees each answered page as it comes.
  QueryResult Query(wire::QueryRequest query, int timeout_ms,
                    const std::function<void(const wire::QueryPageMessage&)>& on_page = {});

  // Raw frames, for tests of hostile input.
  bool SendFrame(const std::string& bytes);
  std::optional<wire::QueryPageMessage> ReceivePage(int timeout_ms);

 private:
  zmq::socket_t socket_;
  uint64_t next_request_id_ = 1;
};

}  // namespace kpihub::client
