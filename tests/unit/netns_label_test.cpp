// The Netns column's text and the JSON netns object for --all-netns.
#include "enrich/netns_label.hpp"

#include <gtest/gtest.h>

#include "render/json_rows.hpp"
#include "render/json_writer.hpp"

namespace sw {
namespace {

TEST(NetnsLabel, NameElseInodePlusContainer) {
  NetnsLabel l;
  l.inode = 4026532301;
  EXPECT_EQ(l.text(), "4026532301");
  l.container = classify_cgroup(
      "/system.slice/"
      "docker-3f2a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8.scope");
  EXPECT_EQ(l.text(), "4026532301(docker:3f2a9c1b2d4e)");
  l.name = "blue";
  EXPECT_EQ(l.text(), "blue(docker:3f2a9c1b2d4e)");
}

TEST(NetnsLabel, HostileNamesAreEscapedInTextAndLosslessInJson) {
  NetnsLabel l;
  l.inode = 7;
  l.name = "x\x1b[2Jy\xff";
  std::string t = l.text();
  EXPECT_EQ(t.find('\x1b'), std::string::npos) << t;
  EXPECT_NE(t.find("\\033"), std::string::npos) << t;
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_netns(w, l);
  w.end_object();
  EXPECT_NE(out.find("\"name_b64\":\"" + base64(l.name) + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\\u001b"), std::string::npos) << out;
  EXPECT_NE(out.find("\"container\":null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"current\":false"), std::string::npos) << out;
}

}  // namespace
}  // namespace sw
