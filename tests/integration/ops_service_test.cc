// The daemon as a service: SIGTERM under load loses nothing, a backup taken under load
// restores to the state it captured, and the watchdog pings stop when the loop is stuck.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "ops_test_util.h"

namespace kpihub::testing {
namespace {

double ZoneOutput(const DaemonHarness& d) {
  auto body = HttpGet(d.metrics_port(), "/metrics");
  if (!body) return std::nan("");
  auto m = ParseMetrics(*body);
  auto it = m.find(SeriesKey("kpihub_indicator_value", {{"indicator", "industrial_output"},
                                                        {"department", "scitech"},
                                                        {"park", "zone"}, {"period", "2020"}}));
  return it == m.end() ? std::nan("") : it->second;
}

// SIGTERM while an adapter streams batches: the daemon exits cleanly, comes back on the same
// endpoint, the adapter resends what was not acked, and every batch counts exactly once.
TEST(OpsServiceTest, RestartUnderLoadLosesNothing) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string endpoint = daemon.endpoint();
  constexpr uint64_t kBatches = 150;
  LoadAdapter load(daemon, "scitech-1", endpoint, kBatches);
  ASSERT_TRUE(WaitUntil([&] { return load.acked() >= 30; }, 20000));
  EXPECT_EQ(daemon.Stop(), 0) << daemon.ReadLog();
  const uint64_t acked_at_stop = load.acked();
  // The harness held the ports while the daemon was down: it comes back on the same endpoint.
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  ASSERT_EQ(daemon.endpoint(), endpoint);
  load.Join();
  ASSERT_EQ(load.acked(), kBatches);
  EXPECT_LT(acked_at_stop, kBatches) << "the stop should have come mid-stream";
  EXPECT_DOUBLE_EQ(ZoneOutput(daemon), ExpectedZoneOutput(kBatches));
  CliResult verify = Kpihub("verify --config " + daemon.config_path());
  EXPECT_EQ(verify.code, 0) << verify.output;
  EXPECT_NE(daemon.ReadLog().find("stopped cleanly"), std::string::npos);
}

// A backup taken while batches stream in is one commit's view: restored into a fresh daemon it
// verifies, gives the same KPI table as the backup itself, and holds exactly the batches up to
// its sender's sequence. A restore is refused while a daemon uses the state.
TEST(OpsServiceTest, BackupUnderLoadRestoresToAnIdenticalState) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string backup = daemon.dir() + "/backup";
  const std::string where = " --config " + daemon.config_path();
  {
    LoadAdapter load(daemon, "scitech-1", daemon.endpoint(), 100000);
    ASSERT_TRUE(WaitUntil([&] { return load.acked() >= 20; }, 20000));
    CliResult r = Kpihub("backup " + backup + where);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("verified"), std::string::npos) << r.output;
    ASSERT_TRUE(WaitUntil([&] { return load.acked() >= 40; }, 20000));
  }
  CliResult in_use = Kpihub("restore " + backup + where);
  EXPECT_EQ(in_use.code, 1);
  EXPECT_NE(in_use.output.find("in use"), std::string::npos) << in_use.output;

  const std::string table = " kpis --csv --park all --year 2020";
  CliResult from_backup = Kpihub(table + " --state-dir " + backup);
  ASSERT_EQ(from_backup.code, 0) << from_backup.output;
  CliResult live = Kpihub(table + where);
  ASSERT_EQ(daemon.Stop(), 0);
  CliResult restored = Kpihub("restore " + backup + where);
  ASSERT_EQ(restored.code, 0) << restored.output;
  EXPECT_NE(restored.output.find("before-restore"), std::string::npos) << restored.output;
  EXPECT_EQ(Kpihub("verify" + where).code, 0);
  EXPECT_EQ(Kpihub(table + where).output, from_backup.output);
  EXPECT_NE(live.output, from_backup.output) << "the load went on after the backup";

  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  auto body = HttpGet(daemon.metrics_port(), "/metrics");
  ASSERT_TRUE(body.has_value());
  double seq = ParseMetrics(*body)[SeriesKey("kpihub_sender_last_sequence",
                                             {{"adapter", "scitech-1"}, {"department", "scitech"}})];
  ASSERT_GE(seq, 20);
  EXPECT_DOUBLE_EQ(ZoneOutput(daemon), ExpectedZoneOutput(static_cast<uint64_t>(seq)));
  EXPECT_EQ(Kpihub("restore " + daemon.dir() + "/no-such-backup" + where).code, 1);
}

// A datagram socket standing in for systemd's NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); unlink(path_.c_str()); }
  bool bound() const { return bound_; }
  // Waits until `what` has come `times` times since the last Forget; false after `timeout_ms`.
  bool WaitFor(const std::string& what, int times, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (CountOccurrences(received_, what) < times) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      Receive(0);  // at most 100 ms (SO_RCVTIMEO)
    }
    return true;
  }
  // Forgets what came so far and what is queued now.
  void Forget() {
    while (Receive(MSG_DONTWAIT)) {
    }
    received_.clear();
  }
  const std::string& received() const { return received_; }

 private:
  bool Receive(int flags) {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof buf, flags);
    if (n <= 0) return false;
    received_.append(buf, static_cast<size_t>(n)).push_back('\n');
    return true;
  }

  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::string received_;
};

// True once every thread of `pid` is stopped (SIGSTOP took effect): it can send nothing more,
// and what it sent before is queued already (a datagram is queued before send returns).
bool AllThreadsStopped(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    const std::string stat = ReadWholeFile(task.path().string() + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'T') return false;
    ++threads;
  }
  return !ec && threads > 0;
}

// Under systemd, READY=1 comes once serving, and WATCHDOG=1 keeps coming from the ingest loop;
// a stopped loop sends none, which is what makes systemd restart a stuck daemon.
TEST(OpsServiceTest, WatchdogPingsComeFromTheLoopAndStopWhenItIsStuck) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  NotifySocket notify(daemon.dir() + "/notify");
  ASSERT_TRUE(notify.bound());
  setenv("NOTIFY_SOCKET", (daemon.dir() + "/notify").c_str(), 1);
  setenv("WATCHDOG_USEC", "2000000", 1);  // pinged every 0.5 s
  const bool started = daemon.Start();
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(started) << daemon.ReadLog();
  EXPECT_TRUE(notify.WaitFor("READY=1", 1, 20000)) << notify.received();
  EXPECT_TRUE(notify.WaitFor("WATCHDOG=1", 3, 20000)) << notify.received();  // again and again

  daemon.Signal(SIGSTOP);
  ASSERT_TRUE(WaitUntil([&] { return AllThreadsStopped(daemon.pid()); }, 20000));
  notify.Forget();  // pings sent before the stop
  // Three ping intervals with the loop stuck: none may come (a bounded look for an absence,
  // nothing waits on it).
  EXPECT_FALSE(notify.WaitFor("WATCHDOG=1", 1, 1500)) << notify.received();
  daemon.Signal(SIGCONT);
  EXPECT_TRUE(notify.WaitFor("WATCHDOG=1", 1, 20000)) << "no ping once the loop runs again";
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_TRUE(notify.WaitFor("STOPPING=1", 1, 5000)) << notify.received();
}

}  // namespace
}  // namespace kpihub::testing

namespace kpihub::testing {
namespace {

// At the production log level, no line names an enterprise, whatever the batch held: good
// figures, a bad credit code, a value that is not a number, another department's indicator.
TEST(OpsLogTest, InfoLevelLogsNameAdapterSequenceAndReasonButNoEnterprise) {
  DaemonHarness daemon({{"scitech-1", "scitech"}, {"tax-1", "tax"}});
  ASSERT_TRUE(daemon.Start({"--log-level", "info"})) << daemon.ReadLog();
  zmq::context_t context(1);
  client::Connection tax(context, {daemon.endpoint(), daemon.server_public(),
                                   daemon.adapter("tax-1").keys, 5000});
  auto batch = NumberedBatch(1);  // scitech's indicator: not_owner for tax
  std::string bad = MakeUscc(77);
  bad[17] = bad[17] == '0' ? '1' : '0';
  batch.push_back({"industrial_output", "hpu_park", bad, "2020-03", 1.0, ""});
  ASSERT_TRUE(tax.SendBatch(1, batch, 0, 10000).has_value());
  ASSERT_TRUE(tax.SendBatch(1, batch, 0, 10000).has_value());  // duplicate: logged at info
  ASSERT_TRUE(tax.SendBatch(7, batch, 0, 10000).has_value());  // out of order: logged
  EXPECT_EQ(daemon.Stop(), 0);
  const std::string log = daemon.ReadLog();
  EXPECT_NE(log.find("adapter=tax-1 seq=1"), std::string::npos) << log;
  EXPECT_NE(log.find("batch out_of_order adapter=tax-1 seq=7"), std::string::npos) << log;
  EXPECT_EQ(log.find("91410800"), std::string::npos) << log;  // every MakeUscc id starts so
}

}  // namespace
}  // namespace kpihub::testing
