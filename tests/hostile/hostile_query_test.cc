// Hostile queries on the exchange socket: each bad Query frame (a query page or a subscription
// frame) sent by a registered reading key over real CURVE to the real kpihubd is answered with
// its documented refusal (request id 0 for a frame that does not decode), never with a row,
// and is audited; a good query right after it is still answered. A message of several frames is refused whole (bad_request, id 0),
// even when its first frame is a good Query.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <vector>

#include <zmq.hpp>

#include "hostile_frames.h"
#include "kpihub/client/connection.h"
#include "kpihub/client/consumer.h"
#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {
namespace {

using wire::QueryRefusal;

struct HostileQuery {
  const char* name;
  std::string frame;
  QueryRefusal reason;
  std::vector<std::string> more_frames = {};  // sent as one multi-part message after `frame`
};

// A DEALER of its own for multi-part messages (the Consumer sends single frames only).
class RawReader {
 public:
  RawReader(zmq::context_t& context, const std::string& endpoint, const std::string& server_public,
            const wire::CurveKeyPair& keys)
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::curve_serverkey, server_public);
    socket_.set(zmq::sockopt::curve_publickey, keys.public_z85);
    socket_.set(zmq::sockopt::curve_secretkey, keys.secret_z85);
    socket_.connect(endpoint);
  }

  bool Send(const std::string& first, const std::vector<std::string>& more) {
    if (!socket_.send(zmq::buffer(first), zmq::send_flags::sndmore)) return false;
    for (size_t i = 0; i < more.size(); ++i) {
      const auto flags = i + 1 < more.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      if (!socket_.send(zmq::buffer(more[i]), flags)) return false;
    }
    return true;
  }

  std::optional<wire::QueryPageMessage> Receive(int timeout_ms) {
    socket_.set(zmq::sockopt::rcvtimeo, timeout_ms);
    zmq::message_t answer;
    if (!socket_.recv(answer)) return std::nullopt;
    return wire::DecodeQueryPage(answer.data(), answer.size());
  }

 private:
  zmq::socket_t socket_;
};

wire::QueryRequest Good(uint64_t id) {
  wire::QueryRequest q;
  q.request_id = id;
  q.indicators = {"hightech_certified"};
  q.level = core::ShareLevel::kEnterprise;
  return q;
}

void AddSubscriptionFrames(std::vector<HostileQuery>* out);

std::vector<HostileQuery> Table() {
  std::vector<HostileQuery> t;
  const std::string good = wire::EncodeQuery(Good(5));
  t.push_back({"garbage", std::string(40, '\xff'), QueryRefusal::kBadRequest});
  t.push_back({"not whole words", good.substr(0, good.size() - 3), QueryRefusal::kBadRequest});
  t.push_back({"cut short", good.substr(0, 16), QueryRefusal::kBadRequest});
  t.push_back({"text without NUL", QueryTextWithoutNul(6), QueryRefusal::kBadRequest});
  t.push_back({"unknown level", QueryUnknownLevel(7), QueryRefusal::kBadRequest});
  wire::QueryRequest q = Good(8);
  q.entities.assign(1001, "91410800MA45H7J36N");
  t.push_back({"too many entities", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(9);
  q.indicators.assign(65, "hightech_certified");
  t.push_back({"too many indicators", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(10);
  q.indicators = {std::string(300000, 'x')};
  t.push_back({"frame over the limit", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(11);
  q.page_size = 10001;
  t.push_back({"page too large", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(12);
  q.indicators = {"91410800MA45H7J36N"};
  t.push_back({"credit code as indicator", wire::EncodeQuery(q), QueryRefusal::kUnknownIndicator});
  q = Good(13);
  q.level = core::ShareLevel::kAggregate;
  q.entities = {"91410800MA45H7J36N"};
  t.push_back({"entities at aggregate level", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(14);
  q.entities = {"91410800MA45H7J36X"};
  t.push_back({"bad credit code", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(15);
  q.continuation = "-1";
  q.as_of = 1;
  t.push_back({"continuation not a number", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(16);
  q.continuation = "4";
  t.push_back({"continuation without as_of", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(17);
  q.continuation = "4";
  q.as_of = 999999999;
  t.push_back({"as_of never served", wire::EncodeQuery(q), QueryRefusal::kAsOfExpired});
  q = Good(18);
  q.period_from = "2020-13";
  t.push_back({"bad period", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q = Good(19);
  q.parks = {"zone"};
  t.push_back({"zone is not a park", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  // The first frame alone would be answered with a row: the whole message is refused.
  t.push_back({"good query plus a frame", wire::EncodeQuery(Good(20)), QueryRefusal::kBadRequest,
               {"x"}});
  t.push_back({"good query plus an empty frame", wire::EncodeQuery(Good(21)),
               QueryRefusal::kBadRequest, {""}});
  t.push_back({"three frames", std::string(40, '\xff'), QueryRefusal::kBadRequest, {"a", "b"}});
  AddSubscriptionFrames(&t);
  return t;
}

// Subscription frames (mode subscribe, credit, unsubscribe).
void AddSubscriptionFrames(std::vector<HostileQuery>* out) {
  std::vector<HostileQuery>& t = *out;
  t.push_back({"unknown mode", QueryUnknownMode(22), QueryRefusal::kBadRequest});
  wire::QueryRequest q;
  q = Good(23);
  q.mode = wire::RequestMode::kCredit;
  q.credit = 64;
  t.push_back({"credit for no subscription", wire::EncodeQuery(q), QueryRefusal::kUnknownSubscription});
  q.mode = wire::RequestMode::kUnsubscribe;
  t.push_back({"unsubscribe from nothing", wire::EncodeQuery(q), QueryRefusal::kUnknownSubscription});
  q = Good(24);
  q.mode = wire::RequestMode::kSubscribe;
  q.credit = 8;
  q.indicators = {"rd_super_deduction"};
  t.push_back({"subscription outside any agreement", wire::EncodeQuery(q), QueryRefusal::kNoAgreement});
  q.indicators = {"hightech_certified"};
  q.page_size = 10001;
  t.push_back({"subscription page too large", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q.page_size = 0;
  q.parks = {"zone"};
  t.push_back({"subscription to no park", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
  q.parks.clear();
  q.level = core::ShareLevel::kAggregate;
  q.entities = {"91410800MA45H7J36N"};
  t.push_back({"subscription with entities at aggregate level", wire::EncodeQuery(q), QueryRefusal::kBadRequest});
}

TEST(HostileQueryTest, EveryBadQueryIsRefusedByItsReasonAndTheNextGoodOneIsAnswered) {
  DaemonHarness daemon(std::vector<std::pair<std::string, std::string>>{{"scitech-1", "scitech"}});
  const wire::CurveKeyPair reader = wire::GenerateCurveKeyPair();
  std::ofstream(daemon.dir() + "/keys.toml", std::ios::app)
      << "\n[[consumer]]\nid = \"finance-read\"\ndepartment = \"finance\"\npublic_key = \""
      << reader.public_z85 << "\"\n";
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  zmq::context_t context(1);
  client::ConnectionOptions writer;
  writer.endpoint = daemon.endpoint();
  writer.server_public_z85 = daemon.server_public();
  writer.client_keys = daemon.adapter("scitech-1").keys;
  client::Connection scitech(context, writer);
  std::vector<core::Observation> obs{{"hightech_certified", "core", MakeUscc(7), "2020", 1, "", ""}};
  auto ack = scitech.SendBatch(1, obs, 0, 20000);
  ASSERT_TRUE(ack && ack->status == wire::AckStatus::kAccepted);

  client::ConsumerOptions options;
  options.endpoint = daemon.exchange_endpoint();
  options.server_public_z85 = daemon.server_public();
  options.client_keys = reader;
  client::Consumer consumer(context, options);
  RawReader raw(context, daemon.exchange_endpoint(), daemon.server_public(), reader);
  size_t refused = 0;
  for (const HostileQuery& h : Table()) {
    std::optional<wire::QueryPageMessage> page;
    if (h.more_frames.empty()) {
      ASSERT_TRUE(consumer.SendFrame(h.frame)) << h.name;
      page = consumer.ReceivePage(20000);
    } else {
      ASSERT_TRUE(raw.Send(h.frame, h.more_frames)) << h.name;
      page = raw.Receive(20000);
      ASSERT_TRUE(page.has_value()) << h.name;
      EXPECT_EQ(page->request_id, 0u) << h.name;  // not read from any of the frames
      EXPECT_NE(page->detail.find(std::to_string(1 + h.more_frames.size()) + " 帧"),
                std::string::npos) << h.name << ": " << page->detail;
    }
    ASSERT_TRUE(page.has_value()) << h.name;
    EXPECT_FALSE(page->answered) << h.name;
    EXPECT_EQ(page->reason, h.reason) << h.name << ": " << page->detail;
    EXPECT_TRUE(page->enterprise_rows.empty() && page->aggregate_rows.empty()) << h.name;
    EXPECT_EQ(page->detail.find("91410800MA45H7J36"), std::string::npos) << h.name;
    ++refused;
    auto good = consumer.RequestPage(Good(0), 20000);
    ASSERT_TRUE(good.has_value()) << "after " << h.name;
    EXPECT_TRUE(good->answered) << "after " << h.name << ": " << good->detail;
    EXPECT_EQ(good->enterprise_rows.size(), 1u) << "after " << h.name;
  }
  // Every refusal is counted, and the log never shows the credit codes the frames carried.
  auto metrics = ScrapeMetrics(daemon.metrics_port());
  double counted = 0;
  for (const auto& [series, value] : metrics) {
    if (series.rfind("kpihub_exchange_refusals_total{", 0) == 0) counted += value;
  }
  EXPECT_EQ(counted, static_cast<double>(refused));
  EXPECT_EQ(daemon.ReadLog().find("91410800MA45H7J36"), std::string::npos);
}

}  // namespace
}  // namespace kpihub::testing
