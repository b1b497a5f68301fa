#include "kpihub/app/listen_address.h"

#include <gtest/gtest.h>

namespace kpihub::app {
namespace {

TEST(ListenAddressTest, IngestEndpointNeedsTcpSchemeHostAndPort) {
  EXPECT_TRUE(CheckIngestEndpoint("tcp://127.0.0.1:7730").ok());
  EXPECT_TRUE(CheckIngestEndpoint("tcp://127.0.0.1:*").ok());
  EXPECT_TRUE(CheckIngestEndpoint("tcp://[::1]:7730").ok());
  EXPECT_TRUE(CheckIngestEndpoint("tcp://kpihub.zone.local:7730").ok());
  for (const char* bad : {"127.0.0.1:7730", "tcp://127.0.0.1", "tcp://127.0.0.1:0",
                          "tcp://127.0.0.1:70000", "ipc:///run/kpihub", "tcp://a b:1"}) {
    Status s = CheckIngestEndpoint(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("expected tcp://HOST:PORT"), std::string::npos) << s.message();
  }
}

TEST(ListenAddressTest, MetricsListenIsOneOrMoreHostPortAndEachIsChecked) {
  auto one = ParseMetricsListen("127.0.0.1:9730");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(AllLoopback(*one));
  auto two = ParseMetricsListen("127.0.0.1:1,0.0.0.0:2");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_FALSE(AllLoopback(*two));  // the second address is every interface
  EXPECT_TRUE(AllLoopback(*ParseMetricsListen("[::1]:0,127.0.0.2:9")));
  for (const char* bad : {"9730", "localhost", "127.0.0.1:", "127.0.0.1:9730,", "x:1"}) {
    auto r = ParseMetricsListen(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected HOST:PORT"), std::string::npos);
  }
}

}  // namespace
}  // namespace kpihub::app
