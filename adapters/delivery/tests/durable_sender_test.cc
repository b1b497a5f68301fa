// DurableSender against a scripted daemon: a CURVE ROUTER on loopback that applies batches by
// the protocol's sequence rules and can lose acks, answer retryLater, refuse a frame with a
// sequence-0 ack, or refuse the key. Checks that every batch is applied exactly once, in order.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kpihub/testing/fake_clock.h"
#include "kpihub/testing/daemon_harness.h"
#include "kpihub/testing/port_reservation.h"
#include "kpihub/delivery/durable_sender.h"

namespace kpihub::delivery {
namespace {

using wire::AckStatus;

class ScriptedDaemon {
 public:
  ScriptedDaemon() : keys_(wire::GenerateCurveKeyPair()), socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::curve_server, 1);
    socket_.set(zmq::sockopt::curve_secretkey, keys_.secret_z85);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:*");
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { Loop(); });
  }
  ~ScriptedDaemon() {
    stop_ = true;
    thread_.join();
  }

  uint64_t last = 0;                 // last applied sequence
  std::vector<uint64_t> applied;     // sequences applied, in order
  std::set<uint64_t> lose_ack_of;    // apply, but send no ack (once)
  std::set<uint64_t> retry_later;    // answer retryLater (once)
  std::set<uint64_t> lose_frame;     // as if the frame never arrived (once)
  std::map<uint64_t, int> received;  // frames received per sequence
  // What the daemon applied, in order: observations by indicator, actions as "submit 2020".
  std::vector<std::string> effects;
  bool refuse_key = false;
  std::mutex mutex;

  const std::string& endpoint() const { return endpoint_; }
  const std::string& server_public() const { return keys_.public_z85; }

 private:
  wire::AckMessage Answer(const wire::DecodedBatch& b) {
    std::lock_guard lock(mutex);
    wire::AckMessage ack;
    ack.sequence = b.sequence;
    if (refuse_key) {
      ack.sequence = 0;
      ack.status = AckStatus::kUnauthorized;
      return ack;
    }
    if (!b.observations.empty() && b.observations[0].indicator == "poison") {
      ack.sequence = 0;  // as the daemon answers a frame it cannot decode
      ack.status = AckStatus::kMalformed;
      ack.frame_reason = core::RejectReason::kUndecodable;
      return ack;
    }
    if (retry_later.erase(b.sequence)) {
      ack.status = AckStatus::kRetryLater;
      return ack;
    }
    if (b.sequence <= last) ack.status = AckStatus::kDuplicate;
    else if (b.sequence > last + 1) ack.status = AckStatus::kOutOfOrder;
    else {
      last = b.sequence;
      applied.push_back(b.sequence);
      ack.status = AckStatus::kAccepted;
      Apply(b, ack);
    }
    ack.next_expected = last + 1;
    return ack;
  }

  // As the daemon does: observations first, then actions. An observation of indicator
  // "refuse" is refused, and an action for the year 1999.
  void Apply(const wire::DecodedBatch& b, wire::AckMessage& ack) {
    for (uint32_t i = 0; i < b.observations.size(); ++i) {
      if (b.observations[i].indicator == "refuse") {
        ack.rejections.push_back({i, core::RejectReason::kUnknownIndicator, "refused"});
      } else {
        effects.push_back(b.observations[i].indicator);
      }
    }
    for (uint32_t i = 0; i < b.actions.size(); ++i) {
      const auto& a = b.actions[i];
      if (a.period == "1999") {
        ack.action_rejections.push_back({i, core::RejectReason::kPeriodStateConflict, "conflict"});
      } else {
        effects.push_back(std::string(core::PeriodActionName(a.kind)) + " " + a.period);
      }
    }
  }

  void Loop() {
    while (!stop_) {
      std::vector<zmq::pollitem_t> items = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, std::chrono::milliseconds(20));
      zmq::message_t id, frame;
      if (!socket_.recv(id, zmq::recv_flags::dontwait)) continue;
      (void)socket_.recv(frame, zmq::recv_flags::dontwait);
      auto decoded = wire::DecodeBatch(frame.data(), frame.size(), wire::DecodeLimits{});
      if (!decoded.batch.ok()) continue;
      const wire::DecodedBatch* batch = &*decoded.batch;
      {
        std::lock_guard lock(mutex);
        received[batch->sequence]++;
        if (lose_frame.erase(batch->sequence)) continue;
      }
      wire::AckMessage ack = Answer(*batch);
      {
        std::lock_guard lock(mutex);
        if (ack.status == AckStatus::kAccepted && lose_ack_of.erase(batch->sequence)) continue;
      }
      std::string bytes = wire::EncodeAck(ack);
      socket_.send(id, zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    }
  }

  wire::CurveKeyPair keys_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class Recorder : public DeliveryListener {
 public:
  void OnDelivered(const StoredBatch& b, const wire::AckMessage&) override { delivered.push_back(b.entries[0].origin); }
  void OnRefused(const StoredBatch& b, const wire::AckMessage&) override { refused.push_back(b.entries[0].origin); }
  std::vector<std::string> delivered, refused;
};

// Every rejection the listener is told of, as "origin reason", in ack order.
class RejectionRecorder : public DeliveryListener {
 public:
  void OnDelivered(const StoredBatch& b, const wire::AckMessage& ack) override {
    for (const auto* list : {&ack.rejections, &ack.action_rejections}) {
      for (const auto& r : *list) {
        ASSERT_LT(r.index, b.entries.size());
        const bool action = list == &ack.action_rejections;
        EXPECT_EQ(b.entries[r.index].action.has_value(), action) << r.index;
        rejected.push_back(b.entries[r.index].origin + " " + std::string(core::ReasonName(r.reason)));
      }
    }
  }
  void OnRefused(const StoredBatch&, const wire::AckMessage&) override {}
  std::vector<std::string> rejected;
};

OutboxEntry Figure(const std::string& indicator, const std::string& origin) {
  return {{indicator, "core", "", "2020", 1.0, "", ""}, origin, std::nullopt};
}

OutboxEntry Submit(const std::string& year, const std::string& origin) {
  OutboxEntry e;
  e.origin = origin;
  e.action = core::PeriodAction{core::PeriodActionKind::kSubmit, "finance", year, ""};
  return e;
}

class DurableSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Outbox::Open(dir_.path() + "/outbox");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    outbox_ = *std::move(opened);
    options_.endpoint = daemon_.endpoint();
    options_.server_public_z85 = daemon_.server_public();
    options_.client_keys = wire::GenerateCurveKeyPair();
    options_.batch_size = 1;  // one observation per batch: origins name batches
    options_.window = 4;
    options_.ack_timeout_ms = 300;
    options_.backoff_initial_ms = 20;
    options_.backoff_max_ms = 100;
  }

  std::vector<OutboxEntry> Entries(int n, int poison_at = -1) {
    std::vector<OutboxEntry> out;
    for (int i = 0; i < n; ++i) {
      std::string indicator = i == poison_at ? "poison" : "gdp";
      out.push_back({{indicator, "core", "", "2020Q1", static_cast<double>(i), "", ""},
                     "e" + std::to_string(i), std::nullopt});
    }
    return out;
  }

  // Drains on the fake clock: each round of the sender's loop (one poll of at most 100 ms)
  // moves the clock 100 ms, so ack timeouts, back-off and the wait limit follow the fake
  // clock, not the machine's speed.
  DrainResult Drain(DurableSender& sender, int64_t max_wait_ms) {
    return sender.Drain(max_wait_ms, [this] {
      clock_.Advance(100);
      return true;
    });
  }

  std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
    std::vector<uint64_t> v;
    for (uint64_t s = from; s <= to; ++s) v.push_back(s);
    return v;
  }

  kpihub::testing::TempDir dir_;
  ScriptedDaemon daemon_;
  std::unique_ptr<Outbox> outbox_;
  SenderOptions options_;
  zmq::context_t context_{1};
  kpihub::testing::FakeClock clock_{1600000000000};
  Recorder recorder_;
};

TEST_F(DurableSenderTest, LostAcksAndRetryLaterStillApplyEachBatchOnceInOrder) {
  {
    std::lock_guard lock(daemon_.mutex);  // its thread is already serving
    daemon_.lose_ack_of = {3, 7};
    daemon_.retry_later = {5};
  }
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(12)).ok());
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.applied, Range(1, 12));
  EXPECT_EQ(recorder_.delivered.size(), 12u);
  EXPECT_TRUE(outbox_->Pending()->empty());
  EXPECT_GT(sender.counters().batches_resent, 0u);
}

TEST_F(DurableSenderTest, SequenceZeroRefusalIsFoundAndItsNumberReused) {
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(8, /*poison_at=*/2)).ok());
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  EXPECT_EQ(recorder_.refused, std::vector<std::string>{"e2"});
  EXPECT_EQ(recorder_.delivered.size(), 7u);
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.applied, Range(1, 7));  // the refused frame consumed no sequence
}

TEST_F(DurableSenderTest, DaemonAheadOfAFreshOutboxRenumbersInsteadOfDropping) {
  {
    std::lock_guard lock(daemon_.mutex);
    daemon_.last = 10;  // the daemon applied 1..10 from an outbox that no longer exists
  }
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(3)).ok());
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.applied, Range(11, 13));
  EXPECT_EQ(outbox_->next_sequence(), 14u);
}

TEST_F(DurableSenderTest, OutOfOrderRewindsToWhatTheDaemonExpects) {
  // Batch 1 was acked and left the outbox, but the daemon's state was since restored from an
  // older backup: it expects 1 again, and the outbox holds nothing numbered 1.
  ASSERT_TRUE(outbox_->Append({Entries(1)}, 0, nullptr).ok());
  ASSERT_TRUE(outbox_->Remove(1).ok());
  {
    std::lock_guard lock(daemon_.mutex);
    daemon_.last = 0;
  }
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(3)).ok());  // numbered 2..4; the daemon expects 1
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.applied, Range(1, 3));
  EXPECT_GE(sender.counters().rewinds, 1u);
}

// One frame lost with a window in flight: every frame behind it is answered outOfOrder with
// the same nextExpected. Only the first is acted on; the others must not resend the window
// again (docs/protocol.md, "Acting on outOfOrder").
TEST_F(DurableSenderTest, OneGapRewindsOnceWhateverTheFramesBehindIt) {
  {
    std::lock_guard lock(daemon_.mutex);
    daemon_.lose_frame = {2};
  }
  options_.window = 8;
  // No resend by timeout (the fake clock moves 100 ms per tick): only the acks drive this test.
  options_.ack_timeout_ms = 600000;
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(10)).ok());
  EXPECT_EQ(Drain(sender, 30000), DrainResult::kEmpty) << sender.error();
  EXPECT_EQ(sender.counters().rewinds, 1u);
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.applied, Range(1, 10));
  EXPECT_EQ(daemon_.received[2], 2);  // lost once, resent once
  for (uint64_t seq = 3; seq <= 8; ++seq) EXPECT_LE(daemon_.received[seq], 2) << seq;
}

// Actions travel in the same outbox and sequence as figures and take effect in the order
// they were enqueued, although a frame carries its actions after its observations.
TEST_F(DurableSenderTest, ActionsTakeEffectInEnqueueOrder) {
  options_.batch_size = 10;
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue({Figure("gdp", "f1"), Submit("2020", "s1"), Figure("tax", "f2"),
                              Submit("2021", "s2")}).ok());
  EXPECT_EQ(sender.pending_batches(), 2u);  // cut where the figure follows the action
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  EXPECT_EQ(sender.counters().observations_delivered, 2u);
  EXPECT_EQ(sender.counters().actions_delivered, 2u);
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.effects, (std::vector<std::string>{"gdp", "submit 2020", "tax", "submit 2021"}));
}

// A refused action is reported with its own entry (and origin), as a refused figure is;
// the wire's separate indices of figures and actions are mapped to the batch's entries.
TEST_F(DurableSenderTest, RefusedActionsAndFiguresAreReportedWithTheirOrigins) {
  options_.batch_size = 10;
  RejectionRecorder rejections;
  DurableSender sender(context_, *outbox_, options_, clock_, &rejections);
  ASSERT_TRUE(sender.Enqueue({Figure("gdp", "f0"), Figure("refuse", "f1"), Submit("1999", "s2"),
                              Submit("2020", "s3")}).ok());
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kEmpty) << sender.error();
  EXPECT_EQ(rejections.rejected,
            (std::vector<std::string>{"f1 unknown_indicator", "s2 period_state_conflict"}));
  EXPECT_EQ(sender.counters().actions_rejected, 1u);
  EXPECT_EQ(sender.counters().observations_rejected, 1u);
  std::lock_guard lock(daemon_.mutex);
  EXPECT_EQ(daemon_.effects, (std::vector<std::string>{"gdp", "submit 2020"}));
}

TEST_F(DurableSenderTest, UnauthorizedIsFatalAndKeepsEveryBatch) {
  {
    std::lock_guard lock(daemon_.mutex);
    daemon_.refuse_key = true;
  }
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(5)).ok());
  EXPECT_EQ(Drain(sender, 20000), DrainResult::kUnauthorized);
  EXPECT_EQ(outbox_->Pending()->size(), 5u);
  EXPECT_TRUE(recorder_.delivered.empty());
}

TEST_F(DurableSenderTest, NoDaemonTimesOutAndKeepsEverything) {
  kpihub::testing::PortReservation nobody;  // held, never listening: every connect is refused
  options_.endpoint = nobody.tcp_endpoint();
  DurableSender sender(context_, *outbox_, options_, clock_, &recorder_);
  ASSERT_TRUE(sender.Enqueue(Entries(3)).ok());
  EXPECT_EQ(Drain(sender, 500), DrainResult::kTimedOut);
  EXPECT_EQ(outbox_->Pending()->size(), 3u);
  EXPECT_EQ(sender.counters().batches_sent, 0u);  // ZMQ_IMMEDIATE: nothing queued without a session
}

}  // namespace
}  // namespace kpihub::delivery
