// A process name holding ')' (the kernel allows any byte but NUL): the ss text
// cuts it where ss 6.1 does, typed output (JSON) keeps it whole.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_proc.hpp"
#include "procfs/owner_index.hpp"

namespace sw {
namespace {

TEST(OwnerComm, ParenthesesInCommAreReadToTheLastParen) {
  FakeProc p;
  p.process(10, "a) b) c");
  p.fd(10, 3, "socket:[1]");
  p.process(11, ")");
  p.fd(11, 3, "socket:[2]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  std::string text;
  idx.append_users(1, text);
  EXPECT_EQ(text, " users:((\"a\",pid=10,fd=3))");  // ss 6.1's %[^)]
  std::string raw;
  idx.for_each_owner(1, [&](const OwnerIndex::OwnerView& v) { raw = std::string(v.comm); });
  EXPECT_EQ(raw, "a) b) c");
  idx.for_each_owner(2, [&](const OwnerIndex::OwnerView& v) { raw = std::string(v.comm); });
  EXPECT_EQ(raw, ")");
  text.clear();
  idx.append_users(2, text);
  EXPECT_EQ(text, " users:((\"\",pid=11,fd=3))");
}

}  // namespace
}  // namespace sw
