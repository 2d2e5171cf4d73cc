// Recorded dumps in ss's own format: a file of raw netlink reply messages, as
// `ss -D FILE` writes them (every recvmsg buffer of the TCP dump, v4 then v6,
// each dump ending with its NLMSG_DONE). sockwatch's `--record` adds NLMSG_NOOP
// marker messages ("SWTB" + table id) so one file can carry several tables,
// and a last marker (kEndOfRecording) that says the recording is complete; ss
// ignores nothing and would misread those, so files with markers are for
// `--replay` only.
//
// Evidence recordings (engine/evidence.hpp, check --record) add two more
// NLMSG_NOOP kinds: namespace markers ("SWNS" + index), each announcing the
// dumps of one more network namespace (the first is the recorder's own), and
// evidence chunks ("SWEV" + sequence number + payload), which carry the rest
// of the evidence as one payload cut in pieces under kMaxDumpMessageBytes.
// ss-mode --replay serves only the first namespace's dumps and skips chunks.
//
// Files are read as streams with bounds checked while reading: one message at
// most kMaxDumpMessageBytes (the kernel never sends one near that), a file at
// most kMaxRecordingBytes. A truncated recording is an error naming the file,
// never fewer sockets with a success status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "netlink/source.hpp"

namespace sw {

constexpr uint64_t kMaxDumpMessageBytes = uint64_t{1} << 20;
constexpr uint64_t kMaxRecordingBytes = uint64_t{1} << 30;

// Bytes of the marker message that switches the current table in a recording.
std::vector<uint8_t> table_marker(Table t);
// The marker --record writes last: without it a file with table markers was
// cut short (a full disk, a killed recorder, a truncated copy).
std::vector<uint8_t> end_of_recording_marker();
// The marker before the dumps of the namespace at `index` (0: the recorder's).
std::vector<uint8_t> namespace_marker(uint32_t index);
// `payload` as evidence chunk messages, each at most kMaxEvidenceChunkBytes
// of payload (an empty payload is one empty chunk).
constexpr size_t kMaxEvidenceChunkBytes = 256 * 1024;
std::vector<uint8_t> evidence_chunks(std::string_view payload);

// TCPDIAG_FILE semantics, exactly as ss: every message is TCP, reading stops at
// the first NLMSG_DONE (so the v6 half of a -D file is never read), no state or
// family mask. A truncated file is an Error naming the file and the offset.
Expected<void> replay_tcpdiag_file(const std::string& path, const RecordSink& sink);

// --replay: reads the whole file (all DONE-separated dumps), honouring table
// markers (TCP when there are none), and serves dump requests from it with the
// state mask and family applied in user space, as the kernel would. Refused:
// an empty file, a dump without its NLMSG_DONE (or NLMSG_ERROR), a table
// marker with no dump after it, and a file with table markers but no end
// marker, evidence chunks out of sequence. Namespace markers split the dumps:
// dump() serves the selected namespace (the first unless select_namespace). (An ss -D file cut
// exactly between its v4 and v6 dumps cannot be told from an `ss -4 -D` file; that one cut goes
// unnoticed.)
class ReplaySource : public SocketSource {
 public:
  static Expected<ReplaySource> open(const std::string& path);
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) override;

  // Namespaces in the recording (1 without namespace markers).
  size_t namespaces() const { return namespaces_; }
  // Serve the dumps of namespace `index` (< namespaces()) from now on.
  void select_namespace(size_t index) { ns_ = index; }
  // The evidence chunks' payloads joined in order; empty when there are none.
  const std::string& evidence_payload() const { return evidence_; }
  bool has_evidence() const { return has_evidence_; }
  // Where the first evidence chunk begins (for messages about its payload).
  size_t evidence_offset() const { return evidence_offset_; }

 private:
  struct Msg {
    Table table;
    size_t offset;
    uint32_t ns;
  };
  std::string path_;
  std::vector<uint8_t> bytes_;
  std::vector<Msg> msgs_;
  size_t namespaces_ = 1;
  size_t ns_ = 0;
  std::string evidence_;
  bool has_evidence_ = false;
  size_t evidence_offset_ = 0;
  bool has_ns_markers_ = false;
};

}  // namespace sw
