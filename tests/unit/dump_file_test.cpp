#include "netlink/dump_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "nl_fixture.hpp"

namespace sw {
namespace {

using test::NlMsg;
using test::tcp_msg;

struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    char p[] = "/tmp/sw_dump_XXXXXX";
    int fd = mkstemp(p);
    path = p;
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  ~TempFile() { unlink(path.c_str()); }
};

void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& b) {
  out.insert(out.end(), b.begin(), b.end());
}

std::vector<uint8_t> done() { return NlMsg(NLMSG_DONE).put(int32_t{0}).bytes(); }

TEST(TcpdiagFile, StopsAtFirstDoneLikeSs) {
  std::vector<uint8_t> f;
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  append(f, done());
  append(f, NlMsg().put(tcp_msg(AF_INET6, kListen, 23, 0)).bytes());
  append(f, done());
  TempFile tf(f);
  std::vector<uint16_t> ports;
  auto r = replay_tcpdiag_file(tf.path, [&](SocketRecord&& rec) {
    ports.push_back(rec.lport);
    return true;
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(ports, std::vector<uint16_t>{22});
}

TEST(TcpdiagFile, TruncatedFileNamesFileAndOffset) {
  std::vector<uint8_t> f;
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  auto second = NlMsg().put(tcp_msg(AF_INET, kListen, 23, 0)).bytes();
  second.resize(second.size() / 2);
  size_t offset = f.size();
  append(f, second);
  TempFile tf(f);
  int n = 0;
  auto r = replay_tcpdiag_file(tf.path, [&](SocketRecord&&) {
    ++n;
    return true;
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(n, 1);
  EXPECT_NE(r.error().message.find(tf.path), std::string::npos);
  EXPECT_NE(r.error().message.find("offset " + std::to_string(offset)), std::string::npos)
      << r.error().message;
}

TEST(TcpdiagFile, MissingDoneIsReported) {
  TempFile tf(NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  auto r = replay_tcpdiag_file(tf.path, [](SocketRecord&&) { return true; });
  EXPECT_FALSE(r.has_value());
}

TEST(ReplaySource, ReadsBothHalvesAndAppliesStatesAndFamily) {
  std::vector<uint8_t> f;
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  append(f, NlMsg().put(tcp_msg(AF_INET, kEstablished, 22, 5000)).bytes());
  append(f, done());
  append(f, NlMsg().put(tcp_msg(AF_INET6, kListen, 23, 0)).bytes());
  append(f, done());
  TempFile tf(f);
  auto src = ReplaySource::open(tf.path);
  ASSERT_TRUE(src.has_value()) << src.error().message;
  DumpRequest req;
  req.table = Table::Tcp;
  req.family = AF_INET6;
  req.states = kAllStates;
  std::vector<uint16_t> ports;
  ASSERT_TRUE(src->dump(req,
                        [&](SocketRecord&& r) {
                          ports.push_back(r.lport);
                          return true;
                        })
                  .has_value());
  EXPECT_EQ(ports, std::vector<uint16_t>{23});
  ports.clear();
  req.family = AF_INET;
  req.states = state_bit(kEstablished);
  ASSERT_TRUE(src->dump(req,
                        [&](SocketRecord&& r) {
                          ports.push_back(r.rport);
                          return true;
                        })
                  .has_value());
  EXPECT_EQ(ports, std::vector<uint16_t>{5000});
}

TEST(ReplaySource, TableMarkersRouteMessages) {
  std::vector<uint8_t> f;
  append(f, table_marker(Table::Udp));
  append(f, NlMsg().put(tcp_msg(AF_INET, kClose, 53, 0)).bytes());
  append(f, done());
  append(f, table_marker(Table::Tcp));
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  append(f, done());
  append(f, end_of_recording_marker());
  TempFile tf(f);
  auto src = ReplaySource::open(tf.path);
  ASSERT_TRUE(src.has_value());
  DumpRequest req;
  req.table = Table::Udp;
  req.family = AF_INET;
  req.states = kAllStates;
  std::vector<uint16_t> ports;
  ASSERT_TRUE(src->dump(req,
                        [&](SocketRecord&& r) {
                          ports.push_back(r.lport);
                          return true;
                        })
                  .has_value());
  EXPECT_EQ(ports, std::vector<uint16_t>{53});
}

TEST(ReplaySource, CorruptLengthIsAnError) {
  std::vector<uint8_t> f = NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes();
  uint32_t bad = 3;  // shorter than a header
  std::memcpy(f.data(), &bad, 4);
  TempFile tf(f);
  auto src = ReplaySource::open(tf.path);
  ASSERT_FALSE(src.has_value());
  EXPECT_NE(src.error().message.find("offset 0"), std::string::npos);
}

// Issue 12: a cut or empty recording is an error naming the file, never
// fewer sockets with status 0.
std::string open_error(const std::vector<uint8_t>& bytes, std::string* path = nullptr) {
  TempFile tf(bytes);
  if (path) *path = tf.path;
  auto src = ReplaySource::open(tf.path);
  if (src) return "";
  EXPECT_NE(src.error().message.find(tf.path), std::string::npos) << src.error().message;
  return src.error().message;
}

TEST(ReplaySourceTruncated, EmptyFileIsRefused) {
  EXPECT_NE(open_error({}).find("empty recording"), std::string::npos);
}

TEST(ReplaySourceTruncated, DumpCutAtAMessageBoundaryIsRefused) {
  std::vector<uint8_t> f;
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 23, 0)).bytes());
  std::string e = open_error(f);
  EXPECT_NE(e.find("truncated recording"), std::string::npos) << e;
  EXPECT_NE(e.find("offset 0"), std::string::npos) << e;
  append(f, done());
  EXPECT_EQ(open_error(f), "");
  // The v6 half cut after its first message.
  append(f, NlMsg().put(tcp_msg(AF_INET6, kListen, 24, 0)).bytes());
  EXPECT_NE(open_error(f).find("no NLMSG_DONE"), std::string::npos);
}

TEST(ReplaySourceTruncated, RecordingNeedsEveryDoneAndTheEndMarker) {
  std::vector<uint8_t> f;
  append(f, table_marker(Table::Udp));
  append(f, NlMsg().put(tcp_msg(AF_INET, kClose, 53, 0)).bytes());
  std::vector<uint8_t> cut_mid_table = f;
  append(cut_mid_table, table_marker(Table::Tcp));
  EXPECT_NE(open_error(cut_mid_table).find("before the next table"), std::string::npos);
  append(f, done());
  std::vector<uint8_t> marker_only = f;
  append(marker_only, table_marker(Table::Tcp));  // a table announced, its dump lost
  EXPECT_NE(open_error(marker_only).find("no NLMSG_DONE"), std::string::npos);
  EXPECT_NE(open_error(f).find("end-of-recording marker"), std::string::npos);
  append(f, end_of_recording_marker());
  EXPECT_EQ(open_error(f), "");
  append(f, NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes());
  EXPECT_NE(open_error(f).find("after the end-of-recording marker"), std::string::npos);
}

TEST(ReplaySourceTruncated, CommittedRecordingsAreComplete) {
  for (const char* name : {"all_families.rec", "tcp_plain.dump", "tcp_all_ext.dump", "tcp_eo.dump",
                           "tcp_info.dump", "tcp_mem.dump"}) {
    auto src = ReplaySource::open(std::string(SW_FIXTURES_DIR) + "/../golden/dumps/" + name);
    EXPECT_TRUE(src) << name << ": " << src.error().message;
  }
}

TEST(DumpFileBounds, DevZeroAndHugeLengthsFailAtTheFirstHeader) {
  auto z = ReplaySource::open("/dev/zero");
  ASSERT_FALSE(z);
  EXPECT_NE(z.error().message.find("/dev/zero: corrupt message length 0 at offset 0"),
            std::string::npos)
      << z.error().message;
  EXPECT_FALSE(replay_tcpdiag_file("/dev/zero", [](SocketRecord&&) { return true; }));
  std::vector<uint8_t> f = NlMsg().put(tcp_msg(AF_INET, kListen, 22, 0)).bytes();
  uint32_t huge = 0x7fffff00;
  std::memcpy(f.data(), &huge, 4);
  EXPECT_NE(open_error(f).find("at most 1 MiB"), std::string::npos);
}

TEST(DumpFileBounds, DirectoryIsNamed) {
  auto d = ReplaySource::open("/tmp");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "/tmp: Is a directory");
  auto t = replay_tcpdiag_file("/tmp", [](SocketRecord&&) { return true; });
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "/tmp: Is a directory");
}

}  // namespace
}  // namespace sw
