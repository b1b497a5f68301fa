// PortReservation: what its header promises, checked on the kernel it runs on — the port is
// never handed out while held (over a whole ephemeral range, in a network namespace of the
// test's own), servers that set SO_REUSEADDR bind it, and kpihubd restarts on the same two
// ports (ingest through libzmq, /metrics through civetweb).
#include "kpihub/testing/port_reservation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "kpihub/testing/daemon_harness.h"

namespace kpihub::testing {
namespace {

// The ephemeral range inside the test's namespace: four ports, so "never handed out" is
// checked over every port the kernel could pick.
constexpr int kRangeLow = 40000;
constexpr int kRangeHigh = 40003;
constexpr int kOutsideRange = 50000;

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A TCP socket bound to 127.0.0.1:port (SO_REUSEADDR if `reuse`); -1 with errno set if the
// bind is refused.
int BindLoopback(int port, bool reuse) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr = Loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int LocalPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// A connection to 127.0.0.1:port; -1 with errno set if refused.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

void CloseAll(std::vector<int>* fds) {
  for (int fd : *fds) close(fd);
  fds->clear();
}

// Binds sockets to port 0 (with and without SO_REUSEADDR in turn) until the kernel has no
// port left; the ports it gave. The sockets stay open in *held.
std::vector<int> BindUntilExhausted(std::vector<int>* held) {
  std::vector<int> ports;
  for (int i = 0; i < 16; ++i) {
    int fd = BindLoopback(0, i % 2 == 1);
    if (fd < 0) break;
    held->push_back(fd);
    ports.push_back(LocalPort(fd));
  }
  std::sort(ports.begin(), ports.end());
  return ports;
}

// Connects to `port` until the kernel has no source port left; the source ports it used.
std::vector<int> ConnectUntilExhausted(int port, std::vector<int>* held) {
  std::vector<int> sources;
  for (int i = 0; i < 16; ++i) {
    int fd = Connect(port);
    if (fd < 0) break;
    held->push_back(fd);
    sources.push_back(LocalPort(fd));
  }
  std::sort(sources.begin(), sources.end());
  return sources;
}

// Runs `body` on a thread of its own in a new network namespace (loopback up) whose
// ephemeral range is kRangeLow..kRangeHigh. False, with the reason, when this process may
// not make one (it needs CAP_SYS_ADMIN).
bool InSmallNetworkNamespace(const std::function<void()>& body, std::string* why) {
  bool ran = false;
  std::thread thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      *why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    std::ofstream("/proc/sys/net/ipv4/ip_local_port_range")
        << kRangeLow << " " << kRangeHigh << "\n";
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq lo{};
    std::strcpy(lo.ifr_name, "lo");
    lo.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
    const bool up = ioctl(fd, SIOCSIFFLAGS, &lo) == 0;
    close(fd);
    if (!up) {
      *why = std::string("loopback not up: ") + std::strerror(errno);
      return;
    }
    ran = true;
    body();
  });
  thread.join();
  return ran;
}

TEST(PortReservationTest, KernelNeverHandsTheHeldPortToAPortZeroBindOrAsASourcePort) {
  std::string why;
  const bool ran = InSmallNetworkNamespace([] {
    std::vector<int> held;
    // Without a reservation every port of the range is handed out: the checks below can fail.
    EXPECT_EQ(BindUntilExhausted(&held), (std::vector<int>{40000, 40001, 40002, 40003}));
    CloseAll(&held);

    PortReservation reserved;
    const int port = reserved.port();
    ASSERT_GE(port, kRangeLow);
    ASSERT_LE(port, kRangeHigh);
    SCOPED_TRACE("reserved port " + std::to_string(port));
    const std::vector<int> bound = BindUntilExhausted(&held);
    EXPECT_EQ(bound.size(), 3u);
    EXPECT_EQ(std::count(bound.begin(), bound.end(), port), 0);
    CloseAll(&held);

    // A bind without SO_REUSEADDR is refused; nothing accepts on the held port.
    EXPECT_EQ(BindLoopback(port, false), -1);
    EXPECT_EQ(errno, EADDRINUSE);
    EXPECT_EQ(Connect(port), -1);
    EXPECT_EQ(errno, ECONNREFUSED);
    // A server that sets SO_REUSEADDR (as libzmq and civetweb do) binds it and is reached.
    int server = BindLoopback(port, true);
    ASSERT_GE(server, 0) << std::strerror(errno);
    ASSERT_EQ(listen(server, 8), 0) << std::strerror(errno);
    int client = Connect(port);
    EXPECT_GE(client, 0) << std::strerror(errno);
    if (client >= 0) close(client);
    close(server);

    // Connecting elsewhere uses every other port of the range as a source, never the held one.
    int listener = BindLoopback(kOutsideRange, true);
    ASSERT_GE(listener, 0) << std::strerror(errno);
    ASSERT_EQ(listen(listener, 16), 0);
    const std::vector<int> sources = ConnectUntilExhausted(kOutsideRange, &held);
    EXPECT_EQ(sources.size(), 3u);
    EXPECT_EQ(std::count(sources.begin(), sources.end(), port), 0);
    CloseAll(&held);
    close(listener);
  }, &why);
  if (!ran) GTEST_SKIP() << "no network namespace of the test's own: " << why;
}

// The ports named in kpihubd.toml stay the harness's while the daemon is down: no other
// socket can take them, and the restart binds both again (ingest by libzmq, /metrics by
// civetweb, each with SO_REUSEADDR beside the held socket).
TEST(PortReservationTest, DaemonRestartsOnTheSamePortsWhileTheHarnessHoldsThem) {
  DaemonHarness daemon({std::pair<std::string, std::string>{"scitech-1", "scitech"}});
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  const std::string endpoint = daemon.endpoint();
  const int metrics_port = daemon.metrics_port();
  const std::string config = ReadWholeFile(daemon.config_path());
  EXPECT_NE(config.find("listen = \"" + endpoint + "\""), std::string::npos) << config;
  EXPECT_NE(config.find("metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port) + "\""),
            std::string::npos)
      << config;
  const int ingest_port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
  ASSERT_GT(ingest_port, 0);
  ASSERT_EQ(daemon.Stop(), 0) << daemon.ReadLog();

  for (int port : {ingest_port, metrics_port}) {
    SCOPED_TRACE("port " + std::to_string(port));
    EXPECT_EQ(BindLoopback(port, false), -1);
    EXPECT_EQ(errno, EADDRINUSE);
    EXPECT_EQ(Connect(port), -1);
  }
  ASSERT_TRUE(daemon.Start()) << daemon.ReadLog();
  EXPECT_EQ(daemon.endpoint(), endpoint);
  EXPECT_EQ(daemon.metrics_port(), metrics_port);
  int status = 0;
  EXPECT_TRUE(HttpGet(metrics_port, "/metrics", "", &status).has_value());
  EXPECT_EQ(status, 200);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.ReadLog();
}

}  // namespace
}  // namespace kpihub::testing
