#include "kpihub/client/consumer.h"

#include <chrono>

#include "kpihub/platform/curve_dealer.h"

namespace kpihub::client {
namespace {

constexpr uint32_t kMaxRestarts = 3;

platform::CurveDealerOptions DealerOptions(const ConsumerOptions& o) {
  auto dealer = platform::CurveClient(o.server_public_z85, o.client_keys.public_z85,
                                      o.client_keys.secret_z85);
  dealer.heartbeat_ms = o.heartbeat_ms;
  dealer.send_timeout_ms = o.send_timeout_ms;
  return dealer;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Status LoadReadingKeys(const std::string& key_file, const std::string& server_key_file,
                       ConsumerOptions* options) {
  auto keys = wire::ReadClientKeys(key_file, server_key_file);
  if (!keys.ok()) return keys.status();
  options->client_keys = keys->mine;
  options->server_public_z85 = keys->server_public_z85;
  return Status::Ok();
}

wire::QueryRequest ToRequest(const QueryScope& scope) {
  wire::QueryRequest q;
  q.indicators = scope.indicators;
  q.parks = scope.parks;
  q.period_from = scope.from;
  q.period_to = scope.to;
  q.entities = scope.entities;
  q.level = scope.level == "enterprise" ? core::ShareLevel::kEnterprise : core::ShareLevel::kAggregate;
  q.page_size = scope.page_size;
  return q;
}

Consumer::Consumer(zmq::context_t& context, const ConsumerOptions& options)
    : socket_(platform::NewCurveDealer(context, DealerOptions(options))) {
  socket_.connect(options.endpoint);
}

bool Consumer::SendFrame(const std::string& bytes) {
  return socket_.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

std::optional<wire::QueryPageMessage> Consumer::ReceivePage(int timeout_ms) {
  zmq::message_t frame;
  if (!platform::ReceiveWithin(socket_, timeout_ms, &frame)) return std::nullopt;
  return wire::DecodeQueryPage(frame.data(), frame.size());
}

std::optional<wire::QueryPageMessage> Consumer::RequestPage(wire::QueryRequest query,
                                                            int timeout_ms) {
  query.request_id = next_request_id_++;
  if (!SendFrame(wire::EncodeQuery(query))) return std::nullopt;
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return std::nullopt;
    auto page = ReceivePage(static_cast<int>(left));
    if (!page) return std::nullopt;
    // A frame the daemon could not read is answered with request id 0.
    if (page->request_id == query.request_id || page->request_id == 0) return page;
  }
}

QueryResult Consumer::Query(wire::QueryRequest query, int timeout_ms,
                            const std::function<void(const wire::QueryPageMessage&)>& on_page) {
  QueryResult result;
  query.continuation.clear();
  query.as_of = 0;
  while (true) {
    auto page = RequestPage(query, timeout_ms);
    if (!page) {
      result.timed_out = true;
      result.detail = "no answer within " + std::to_string(timeout_ms) + " ms";
      return result;
    }
    if (!page->answered && page->reason == wire::QueryRefusal::kAsOfExpired &&
        result.restarts < kMaxRestarts) {
      // The data changed between pages: read it all again at the new version.
      ++result.restarts;
      result.enterprise.clear();
      result.aggregate.clear();
      query.continuation.clear();
      query.as_of = 0;
      continue;
    }
    if (!page->answered) {
      result.reason = page->reason;
      result.detail = page->detail;
      return result;
    }
    ++result.pages;
    result.as_of = page->as_of;
    if (on_page) on_page(*page);
    for (auto& r : page->enterprise_rows) result.enterprise.push_back(std::move(r));
    for (auto& r : page->aggregate_rows) result.aggregate.push_back(std::move(r));
    if (page->continuation.empty()) {
      result.answered = true;
      return result;
    }
    query.continuation = page->continuation;
    query.as_of = page->as_of;
  }
}

}  // namespace kpihub::client
