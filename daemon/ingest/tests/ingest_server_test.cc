// IngestServer in-process: real ZeroMQ sockets on loopback, a real store in a temp dir, a fake
// clock, and a fault-injecting store wrapper.
#include "kpihub/testing/fake_clock.h"
#include "kpihub/ingest/ingest_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <thread>

#include "kpihub/core/uscc.h"
#include "kpihub/testing/raw_dealer.h"
#include "kpihub/testing/source_file.h"
#include "kpihub/testing/temp_dir.h"

namespace kpihub::ingest {
namespace {

std::string Uscc(int serial) { return core::SyntheticUscc(static_cast<uint32_t>(serial)); }

// The kernel's view of the server's end of a client's TCP connection (client and server both
// live in this process): the bytes it has taken in, and the bytes not yet read by libzmq.
struct ServerEnd {
  uint64_t received = 0;
  int unread = -1;  // -1: no connected socket on that port
};

ServerEnd ServerEndOf(int server_port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_in local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
        local.sin_family != AF_INET || ntohs(local.sin_port) != server_port) {
      continue;
    }
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;  // listener
    tcp_info info{};
    socklen_t info_len = sizeof info;
    int unread = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_len) != 0 ||
        ioctl(fd, SIOCINQ, &unread) != 0) {
      continue;
    }
    return ServerEnd{info.tcpi_bytes_received, unread};
  }
  return ServerEnd{};
}

// Bytes a frame of `payload` bytes takes on the wire under CURVE (ZMTP 3, libzmq 4.3): a
// MESSAGE command of name (8), nonce (8), MAC (16), flags (1) and the payload, behind a frame
// header of 2 bytes, or 9 when the command is longer than 255.
uint64_t CurveWireBytes(size_t payload) {
  const uint64_t command = 8 + 8 + 16 + 1 + payload;
  return command + (command > 255 ? 9 : 2);
}


// Decorates the real store; makes ApplyGroup fail, or hold until released, on demand.
class FaultInjectingStore : public store::Store {
 public:
  explicit FaultInjectingStore(store::Store& real) : real_(real) {}
  std::atomic<int> fail_with{-1};  // a Status::Code, or -1 for none
  std::atomic<bool> hold{false};   // ApplyGroup waits while set (a commit stuck on the disk)
  std::atomic<int> held{0};        // ApplyGroup calls that have started waiting
  std::atomic<bool> in_apply{false};  // an ApplyGroup call is under way
  std::atomic<int> finished{0};       // ApplyGroup calls that have returned
  kpihub::Status ApplyGroup(const std::vector<store::BatchToApply>& b,
                           std::vector<store::ApplyResult>* r) override {
    in_apply = true;
    kpihub::Status status = Apply(b, r);
    in_apply = false;
    ++finished;
    return status;
  }
  kpihub::Status OpenSnapshot(std::unique_ptr<store::Snapshot>* out) override {
    return real_.OpenSnapshot(out);
  }
  kpihub::Status SetCatalogueFingerprint(const std::string& f) override {
    return real_.SetCatalogueFingerprint(f);
  }
  kpihub::Status Verify(std::vector<std::string>* d) override { return real_.Verify(d); }
  store::StoreStats Stats() override { return real_.Stats(); }
  kpihub::Status AppendAudit(std::vector<store::AuditRecord>* records) override {
    return real_.AppendAudit(records);
  }

 private:
  kpihub::Status Apply(const std::vector<store::BatchToApply>& b,
                       std::vector<store::ApplyResult>* r) {
    if (hold.load()) {
      ++held;
      while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    int code = fail_with.load();
    if (code >= 0) return kpihub::Status::Error(static_cast<kpihub::Status::Code>(code), "injected");
    return real_.ApplyGroup(b, r);
  }

  store::Store& real_;
};

// A client as these tests drive one: a raw CURVE DEALER (the daemon's tests do not use the
// adapters' client library).
class TestClient {
 public:
  TestClient(zmq::context_t& context, const kpihub::testing::RawDealerOptions& options)
      : dealer_(context, options) {}
  bool SendFrame(const std::string& bytes) { return dealer_.Send(bytes); }
  std::optional<wire::AckMessage> ReceiveAck(int timeout_ms) { return dealer_.Receive(timeout_ms); }
  // Sends batch `sequence` and waits for its ack, skipping acks of other sequences; a frame
  // refusal (sequence 0) is an answer too.
  std::optional<wire::AckMessage> SendBatch(uint64_t sequence,
                                            const std::vector<core::Observation>& observations,
                                            int64_t sent_unix_ms, int timeout_ms) {
    if (!SendFrame(wire::EncodeBatch(sequence, sent_unix_ms, observations))) return std::nullopt;
    for (auto ack = ReceiveAck(timeout_ms); ack; ack = ReceiveAck(timeout_ms)) {
      if (ack->sequence == sequence || ack->sequence == 0) return ack;
    }
    return std::nullopt;
  }

 private:
  kpihub::testing::RawDealer dealer_;
};

class IngestServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir_.path();
    std::shared_ptr<const core::Catalogue> catalogue = kpihub::testing::ShippedCatalogue();
    ASSERT_NE(catalogue, nullptr);
    server_keys_ = wire::GenerateCurveKeyPair();
    scitech_keys_ = wire::GenerateCurveKeyPair();
    std::string registry_text = "[[adapter]]\nid = \"scitech-1\"\ndepartment = \"scitech\"\n"
                                "public_key = \"" + scitech_keys_.public_z85 + "\"\n";
    auto registry = core::KeyRegistry::FromToml(registry_text, "keys.toml", *catalogue);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    config_ = std::make_unique<core::LiveConfig>(catalogue, *registry);
    store::StoreOptions options;
    options.path = dir_ + "/state";
    ASSERT_TRUE(store::Store::Open(options, &real_store_).ok());
    store_ = std::make_unique<FaultInjectingStore>(*real_store_);
    metrics_ = std::make_unique<IngestMetrics>(registry_);
    IngestOptions ingest;
    ingest.endpoint = "tcp://127.0.0.1:*";
    ingest.server_secret_z85 = server_keys_.secret_z85;
    AdjustOptions(&ingest);
    server_ = std::make_unique<IngestServer>(
        context_, ingest, *config_, *store_, clock_, *metrics_,
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));
    server_->Start();
  }

  // For fixtures that need other options (the ZAP endpoint allows one server per context).
  virtual void AdjustOptions(IngestOptions*) {}

  void TearDown() override {
    StopServer();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    stop_ = false;
    thread_ = std::thread([this] {
      run_status_ = server_->Run(stop_, [this] {
        ++ticks_;
        if (store_->in_apply.load()) ++ticks_in_commit_;
      });
      commit_under_way_at_return_ = store_->in_apply.load();
      commits_finished_at_return_ = store_->finished.load();
    });
  }

  int ServerPort() const {
    const std::string endpoint = server_->bound_endpoint();
    return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  }

  // Waits until the server's end of the connection has taken in `bytes` more than `before`
  // and libzmq has read them all: the frames are decrypted and queued in the server socket.
  bool WaitServerHasRead(const ServerEnd& before, uint64_t bytes) {
    return WaitFor([&] {
      ServerEnd now = ServerEndOf(ServerPort());
      return now.unread == 0 && now.received >= before.received + bytes;
    }, 10000);
  }

  uint64_t LastSequence() {
    std::unique_ptr<store::Snapshot> snap;
    EXPECT_TRUE(real_store_->OpenSnapshot(&snap).ok());
    uint64_t last = 0;
    EXPECT_TRUE(snap->ForEachSender([&](const store::SenderState& s) { last = s.last_sequence; }).ok());
    return last;
  }

  // Batch 1 committed and acked, then batch 2 sent and its commit held inside ApplyGroup.
  void CommitOneThenHoldTheNext(TestClient& client) {
    ASSERT_EQ(client.SendBatch(1, Batch(0, 3), 0, 10000)->status, wire::AckStatus::kAccepted);
    store_->hold = true;
    ASSERT_TRUE(client.SendFrame(wire::EncodeBatch(2, 0, Batch(10, 3))));
    ASSERT_TRUE(WaitFor([&] { return store_->held.load() == 1; }, 5000));
  }

  static bool WaitFor(const std::function<bool()>& done, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms && !done(); waited += 5) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }
  void StopServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<TestClient> Connect() {
    return std::make_unique<TestClient>(
        context_, kpihub::testing::RawDealerOptions{server_->bound_endpoint(),
                                                    server_keys_.public_z85, scitech_keys_, ""});
  }

  std::vector<core::Observation> Batch(int first, int n) {
    std::vector<core::Observation> obs;
    for (int i = 0; i < n; ++i) {
      obs.push_back({"industrial_output", "core", Uscc(first + i), "2020-01", 10.0, ""});
    }
    return obs;
  }

  double MetricValue(const std::string& name) {
    std::ostringstream os;
    prometheus::TextSerializer().Serialize(os, registry_.Collect());
    std::istringstream in(os.str());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

  kpihub::testing::TempDir temp_dir_;
  std::string dir_;
  zmq::context_t context_{1};
  kpihub::testing::FakeClock clock_{1704067200000};  // 2024-01-01
  wire::CurveKeyPair server_keys_, scitech_keys_;
  std::unique_ptr<core::LiveConfig> config_;
  std::unique_ptr<store::Store> real_store_;
  std::unique_ptr<FaultInjectingStore> store_;
  prometheus::Registry registry_;
  std::unique_ptr<IngestMetrics> metrics_;
  std::unique_ptr<IngestServer> server_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> ticks_in_commit_{0};  // on_tick calls while ApplyGroup was under way
  std::atomic<bool> commit_under_way_at_return_{false};
  std::atomic<int> commits_finished_at_return_{-1};
  std::thread thread_;
  kpihub::Status run_status_;
};

TEST_F(IngestServerTest, BatchesWaitingTogetherShareOneCommit) {
  StartServer();
  auto client = Connect();
  ASSERT_EQ(client->SendBatch(1, Batch(0, 3), 0, 10000)->status, wire::AckStatus::kAccepted);
  StopServer();  // the session stays up; frames now queue in the server socket
  const ServerEnd before = ServerEndOf(ServerPort());
  ASSERT_EQ(before.unread, 0);
  uint64_t wire_bytes = 0;
  for (uint64_t seq = 2; seq <= 51; ++seq) {
    std::string frame = wire::EncodeBatch(seq, 0, Batch(static_cast<int>(seq) * 10, 3));
    wire_bytes += CurveWireBytes(frame.size());
    ASSERT_TRUE(client->SendFrame(frame));
  }
  ASSERT_TRUE(WaitServerHasRead(before, wire_bytes))
      << "server end took in " << ServerEndOf(ServerPort()).received - before.received << " of "
      << wire_bytes << " bytes";
  StartServer();
  for (uint64_t seq = 2; seq <= 51; ++seq) {
    auto ack = client->ReceiveAck(10000);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->sequence, seq);  // acks in order
    EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
  }
  // 1 + one group of 50: all 50 frames were read and decrypted before the loop resumed. The
  // last frame's bytes can be in while libzmq still hands it to the socket, hence one more at
  // most. One commit per batch (51) would mean no grouping at all.
  const double commits = MetricValue("kpihub_commit_duration_seconds_count");
  EXPECT_GE(commits, 2);
  EXPECT_LE(commits, 3);
  EXPECT_EQ(MetricValue("kpihub_commit_group_batches_sum"), 51);
}

TEST_F(IngestServerTest, FailedCommitIsNeverAckedAndStopsTheLoop) {
  StartServer();
  auto client = Connect();
  ASSERT_EQ(client->SendBatch(1, Batch(0, 3), 0, 10000)->status, wire::AckStatus::kAccepted);
  store_->fail_with = static_cast<int>(kpihub::Status::Code::kIoError);
  EXPECT_FALSE(client->SendBatch(2, Batch(100, 3), 0, 1000).has_value());  // no ack
  thread_.join();  // Run returned by itself
  EXPECT_EQ(run_status_.code(), kpihub::Status::Code::kIoError);
  EXPECT_EQ(MetricValue("kpihub_storage_failed"), 1);
  std::unique_ptr<store::Snapshot> snap;
  ASSERT_TRUE(real_store_->OpenSnapshot(&snap).ok());
  uint64_t last = 0;
  ASSERT_TRUE(snap->ForEachSender([&](const store::SenderState& s) { last = s.last_sequence; }).ok());
  EXPECT_EQ(last, 1u);
}

TEST_F(IngestServerTest, FullStoreAnswersRetryLaterAndRecovers) {
  StartServer();
  auto client = Connect();
  store_->fail_with = static_cast<int>(kpihub::Status::Code::kMapFull);
  auto ack = client->SendBatch(1, Batch(0, 3), 0, 10000);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, wire::AckStatus::kRetryLater);
  store_->fail_with = -1;
  EXPECT_EQ(client->SendBatch(1, Batch(0, 3), 0, 10000)->status, wire::AckStatus::kAccepted);
}

TEST_F(IngestServerTest, MultipartFrameIsMalformedNotDropped) {
  StartServer();
  zmq::socket_t raw(context_, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::curve_serverkey, server_keys_.public_z85);
  raw.set(zmq::sockopt::curve_publickey, scitech_keys_.public_z85);
  raw.set(zmq::sockopt::curve_secretkey, scitech_keys_.secret_z85);
  raw.connect(server_->bound_endpoint());
  std::string frame = wire::EncodeBatch(1, 0, Batch(0, 3));
  raw.send(zmq::buffer(frame), zmq::send_flags::sndmore);
  raw.send(zmq::buffer(frame), zmq::send_flags::none);
  zmq::message_t reply;
  raw.set(zmq::sockopt::rcvtimeo, 10000);
  ASSERT_TRUE(raw.recv(reply));
  auto ack = wire::DecodeAck(reply.data(), reply.size());
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, wire::AckStatus::kMalformed);
}

TEST_F(IngestServerTest, ZeroSequenceIsRefused) {
  StartServer();
  auto client = Connect();
  auto ack = client->SendBatch(0, Batch(0, 3), 0, 10000);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, wire::AckStatus::kMalformed);
  EXPECT_EQ(ack->frame_reason, core::RejectReason::kBadSequence);
}

// A commit stuck on the disk stops the watchdog pings (on_tick): that is what makes systemd
// restart a daemon hung in fsync. They come back once the commit returns.
class StuckCommitTest : public IngestServerTest {
 protected:
  void AdjustOptions(IngestOptions* o) override { o->poll_timeout_ms = 20; }
};

TEST_F(StuckCommitTest, ACommitStuckOnTheDiskStopsTheWatchdogPings) {
  StartServer();
  auto client = Connect();
  ASSERT_NO_FATAL_FAILURE(CommitOneThenHoldTheNext(*client));
  const uint64_t stuck = ticks_.load();
  // An observation window, not a synchronisation: pings that came from anywhere but the loop
  // would show within a few poll timeouts (20 ms); the commit is held for 15 of them.
  std::this_thread::sleep_for(std::chrono::milliseconds(15 * 20));
  EXPECT_EQ(ticks_in_commit_.load(), 0u) << "pings went on during a stuck commit";
  EXPECT_EQ(ticks_.load(), stuck);
  store_->hold = false;
  auto ack = client->ReceiveAck(10000);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
  EXPECT_TRUE(WaitFor([&] { return ticks_.load() > stuck; }, 2000));
}

// SIGTERM during a commit: the commit finishes and its batch is acked before Run returns.
TEST_F(IngestServerTest, StopWaitsForTheCommitInProgressAndAcksIt) {
  StartServer();
  auto client = Connect();
  store_->hold = true;
  ASSERT_TRUE(client->SendFrame(wire::EncodeBatch(1, 0, Batch(0, 3))));
  ASSERT_TRUE(WaitFor([&] { return store_->held.load() == 1; }, 5000));
  stop_ = true;  // while the commit is held
  store_->hold = false;
  thread_.join();
  EXPECT_TRUE(run_status_.ok()) << run_status_.ToString();
  // Run returned only once the commit under way when it was told to stop had finished.
  EXPECT_FALSE(commit_under_way_at_return_.load());
  EXPECT_EQ(commits_finished_at_return_.load(), 1);
  auto ack = client->ReceiveAck(5000);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->status, wire::AckStatus::kAccepted);
  EXPECT_EQ(LastSequence(), 1u);
}

// A batch that arrives while a commit is in progress is never applied when that commit
// fails: the daemon stops, and the adapters resend both from their outboxes.
TEST_F(IngestServerTest, AfterAFailedCommitTheNextGroupIsNeitherAppliedNorAcked) {
  StartServer();
  auto client = Connect();
  ASSERT_NO_FATAL_FAILURE(CommitOneThenHoldTheNext(*client));
  const ServerEnd before = ServerEndOf(ServerPort());
  const std::string batch3 = wire::EncodeBatch(3, 0, Batch(20, 3));
  ASSERT_TRUE(client->SendFrame(batch3));
  ASSERT_TRUE(WaitServerHasRead(before, CurveWireBytes(batch3.size())));  // batch 3 queued
  store_->fail_with = static_cast<int>(kpihub::Status::Code::kIoError);
  store_->hold = false;
  thread_.join();  // Run returned by itself
  EXPECT_EQ(run_status_.code(), kpihub::Status::Code::kIoError);
  EXPECT_FALSE(client->ReceiveAck(300).has_value());
  store_->fail_with = -1;
  server_.reset();
  EXPECT_EQ(LastSequence(), 1u);
  EXPECT_EQ(store_->held.load(), 1);  // batch 3 never reached the store
}

}  // namespace
}  // namespace kpihub::ingest
