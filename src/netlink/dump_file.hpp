// Recorded dumps in ss's own format: a file of raw netlink reply messages, as
// `ss -D FILE` writes them (every recvmsg buffer of the TCP dump, v4 then v6).
// sockwatch's `--record` adds NLMSG_NOOP marker messages ("SWTB" + table id)
// so one file can carry several tables; ss ignores nothing and would misread
// those, so files with markers are for `--replay` only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "netlink/source.hpp"

namespace sw {

// Bytes of the marker message that switches the current table in a recording.
std::vector<uint8_t> table_marker(Table t);

// TCPDIAG_FILE semantics, exactly as ss: every message is TCP, reading stops at
// the first NLMSG_DONE (so the v6 half of a -D file is never read), no state or
// family mask. A truncated file is an Error naming the file and the offset.
Expected<void> replay_tcpdiag_file(const std::string& path, const RecordSink& sink);

// --replay: reads the whole file (all DONE-separated dumps), honouring table
// markers (TCP when there are none), and serves dump requests from it with the
// state mask and family applied in user space, as the kernel would.
class ReplaySource : public SocketSource {
 public:
  static Expected<ReplaySource> open(const std::string& path);
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) override;

 private:
  struct Msg {
    Table table;
    size_t offset;
  };
  std::string path_;
  std::vector<uint8_t> bytes_;
  std::vector<Msg> msgs_;
};

}  // namespace sw
