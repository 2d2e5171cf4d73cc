// VSOCK, TIPC and XDP: the real ss 6.1 and sockwatch render the same byte
// fixtures (tests/unit/family_fixture.hpp), both reading them through the
// fake_diag LD_PRELOAD shim in place of the kernel's vsock_diag / tipc /
// xdp_diag answers (this kernel has none of them, and ss has no recording
// input for these families). sockwatch is also run on a --replay recording of
// the same bytes. Outputs must be byte-identical for every flag set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../unit/family_fixture.hpp"
#include "diff_common.hpp"

namespace sw {
namespace {

using namespace sw::test;

class FamiliesDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/sw_fam_XXXXXX";
    dir_ = mkdtemp(tmpl);
    write("vsock.bin", vsock_dump());
    write("tipc.bin", tipc_dump());
    write("xdp.bin", xdp_dump());
    write("families.rec", families_recording());
  }
  static void TearDownTestSuite() {
    for (const char* f : {"vsock.bin", "tipc.bin", "xdp.bin", "families.rec"})
      std::remove((dir_ + "/" + f).c_str());
    rmdir(dir_.c_str());
  }
  static void write(const std::string& name, const std::vector<uint8_t>& b) {
    std::ofstream o(dir_ + "/" + name, std::ios::binary);
    o.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  static std::string asan_options() {
    const char* cur = std::getenv("ASAN_OPTIONS");
    return std::string("ASAN_OPTIONS=") + (cur && *cur ? std::string(cur) + ":" : "") +
           "verify_asan_link_order=0";
  }
  static std::vector<std::string> env() {
    return {std::string("LD_PRELOAD=") + SW_FAKE_DIAG, "SW_FAKE_DIAG_VSOCK=" + dir_ + "/vsock.bin",
            "SW_FAKE_DIAG_TIPC=" + dir_ + "/tipc.bin", "SW_FAKE_DIAG_XDP=" + dir_ + "/xdp.bin",
            // An ASan sockwatch refuses a preloaded library ahead of its runtime.
            asan_options()};
  }

  void compare(const std::string& flags, bool replay = true) {
    SCOPED_TRACE(flags);
    auto words = diff::split_words(flags);
    std::vector<std::string> ss{"/usr/bin/ss"}, sw{SW_BINARY};
    ss.insert(ss.end(), words.begin(), words.end());
    sw.insert(sw.end(), words.begin(), words.end());
    auto a = diff::run(ss, env());
    auto b = diff::run(sw, env());
    EXPECT_EQ(a.status, b.status);
    // known_diffs.md (9): sockwatch says when -p could not read some fds.
    auto rules = diff::load_rules(std::string(SW_DIFF_DIR) + "/known_diffs.md");
    EXPECT_EQ(diff::filter_stderr(a.err, rules), diff::filter_stderr(b.err, rules));
    EXPECT_EQ(a.out, b.out) << diff::unified_diff(a.out, b.out);
    // ss drew nothing from the fixtures: the shim did not take.
    EXPECT_GT(std::count(a.out.begin(), a.out.end(), '\n'), 1) << a.out << a.err;
    if (!replay) return;
    std::vector<std::string> rp{SW_BINARY, "--replay", dir_ + "/families.rec"};
    rp.insert(rp.end(), words.begin(), words.end());
    auto c = diff::run(rp);
    // Owners of recorded sockets cannot be known from a recording: --replay
    // refuses -p (docs/reliability.md, "Input bounds") rather than name
    // whatever live process holds the same inode now.
    if (std::find(words.begin(), words.end(), "-p") != words.end()) {
      EXPECT_EQ(c.status, 255) << c.err;
      EXPECT_NE(c.err.find("-p"), std::string::npos) << c.err;
      return;
    }
    EXPECT_EQ(c.status, a.status);
    EXPECT_EQ(a.out, c.out) << "--replay:\n" << diff::unified_diff(a.out, c.out);
  }

  static std::string dir_;
};

std::string FamiliesDiff::dir_;

TEST_F(FamiliesDiff, Vsock) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  // Without -a the kernel would drop the listener; the fixture file is
  // served whole to both tools, so both show it (replay applies the mask).
  compare("--vsock -a");
  compare("--vsock", false);
  compare("--vsock -a -H");
  compare("-A vsock_stream -a");
  compare("-A v_dgr -a");
  compare("-f vsock -a -e -m -o");
  compare("--vsock -a -n -O");
  compare("--vsock -a -p");
  // ss 6.1 parses a vsock CID but never compares it (vsock_set_inet_prefix
  // resets the bitlen): every socket with a matching port passes.
  compare("--vsock -a src vsock:3");
  compare("--vsock -a src vsock:7:1234");
  compare("--vsock -a dst vsock:2:22");
  compare("--vsock -a sport = :1234");
  compare("--vsock -a sport gt :2000");
  compare("--vsock -a dport = :*");
  compare("--vsock -a autobound");
  compare("--vsock -a state listening", false);
}

TEST_F(FamiliesDiff, Tipc) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  compare("--tipc");
  compare("--tipc -a");
  compare("--tipc -H");
  compare("--tipc --tipcinfo");
  compare("--tipc --tipcinfo -O");
  compare("--tipc -e");
  compare("--tipc -e -p --tipcinfo");
  // -A makes the state mask ss's SS_CONN (no LISTEN/UNCONN): the kernel, and
  // --replay, would drop rows that the shim serves to both tools.
  compare("-A tipc -m -o", false);
  // ss runs no filter expression on TIPC sockets: all of them show.
  compare("--tipc dst 10.0.0.1");
  compare("--tipc sport = :99");
}

TEST_F(FamiliesDiff, Xdp) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  compare("--xdp");
  compare("--xdp -a");
  compare("--xdp -H");
  compare("--xdp -e");
  compare("--xdp -e -O");
  compare("--xdp -m");
  compare("--xdp -e -m -p");
  compare("--xdp -n");
  compare("-f xdp dev lo");
  compare("--xdp sport = :3");
  compare("--xdp sport lt :1");
}

TEST_F(FamiliesDiff, TogetherInSsOrder) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  compare("--vsock --tipc --xdp -a");
  compare("-f vsock -f xdp -A tipc -a -e");
  compare("--vsock --xdp --tipc -a --tipcinfo -e -O");
}

}  // namespace
}  // namespace sw
