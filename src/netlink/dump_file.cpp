#include "netlink/dump_file.hpp"

#include <fmt/format.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/files.hpp"
#include "netlink/parse.hpp"

namespace sw {

namespace {

constexpr char kMarkerMagic[4] = {'S', 'W', 'T', 'B'};
constexpr char kNamespaceMagic[4] = {'S', 'W', 'N', 'S'};
constexpr char kEvidenceMagic[4] = {'S', 'W', 'E', 'V'};
constexpr uint32_t kEndOfRecording = 0xffffffffu;  // the id of the last marker

// Reads the messages of a dump file one at a time, checking each header
// before the body is read (so /dev/urandom or /dev/zero fail at once, not
// after filling memory). `next` appends the message (header, body and the
// padding the file has) to `buf` and returns its offset there; nullopt at a
// clean end of file.
class MessageReader {
 public:
  explicit MessageReader(BoundedFile f) : f_(std::move(f)) {}

  Expected<std::optional<size_t>> next(std::vector<uint8_t>& buf) {
    size_t off = buf.size();
    uint64_t file_off = f_.offset();
    nlmsghdr h;
    auto got = f_.read_full(&h, sizeof h);
    if (!got) return got.error();
    if (*got == 0) return std::optional<size_t>();
    if (*got < sizeof h)
      return Error{fmt::format("{}: truncated message header at offset {}", f_.name(), file_off),
                   EBADMSG};
    if (h.nlmsg_len < sizeof(nlmsghdr))
      return Error{fmt::format("{}: corrupt message length {} at offset {}", f_.name(), h.nlmsg_len,
                               file_off),
                   EBADMSG};
    if (h.nlmsg_len > kMaxDumpMessageBytes)
      return Error{
          fmt::format("{}: corrupt message length {} at offset {} (one netlink message "
                      "is at most {})",
                      f_.name(), h.nlmsg_len, file_off, format_bytes(kMaxDumpMessageBytes)),
          EBADMSG};
    size_t len = h.nlmsg_len;
    size_t aligned = (len + NLMSG_ALIGNTO - 1) & ~size_t{NLMSG_ALIGNTO - 1};
    buf.resize(off + aligned);
    std::memcpy(buf.data() + off, &h, sizeof h);
    got = f_.read_full(buf.data() + off + sizeof h, aligned - sizeof h);
    if (!got) return got.error();
    if (*got < len - sizeof h)
      return Error{fmt::format("{}: truncated message at offset {} (needs {} bytes, {} left)",
                               f_.name(), file_off, len, sizeof h + *got),
                   EBADMSG};
    // The last message of a file need not carry its alignment padding.
    buf.resize(off + sizeof h + *got);
    return std::optional<size_t>(off);
  }

  uint64_t offset() const { return f_.offset(); }
  const std::string& name() const { return f_.name(); }

 private:
  BoundedFile f_;
};

Expected<MessageReader> open_reader(const std::string& path) {
  auto f = BoundedFile::open(path, kMaxRecordingBytes);
  if (!f) return f.error();
  return MessageReader(std::move(*f));
}

nlmsghdr header_at(const std::vector<uint8_t>& b, size_t off) {
  nlmsghdr h;
  std::memcpy(&h, b.data() + off, sizeof h);
  return h;
}

// A marker's id when the message is a NOOP with that magic, else nullopt.
std::optional<uint32_t> marker_id(const std::vector<uint8_t>& b, size_t off,
                                  const char (&magic)[4] = kMarkerMagic) {
  nlmsghdr h = header_at(b, off);
  if (h.nlmsg_type != NLMSG_NOOP || h.nlmsg_len < NLMSG_LENGTH(8) ||
      std::memcmp(b.data() + off + NLMSG_HDRLEN, magic, 4) != 0)
    return std::nullopt;
  uint32_t id;
  std::memcpy(&id, b.data() + off + NLMSG_HDRLEN + 4, 4);
  return id;
}

void append_marker(std::vector<uint8_t>& out, const char (&magic)[4], uint32_t id,
                   std::string_view payload = {}) {
  size_t off = out.size();
  size_t len = NLMSG_LENGTH(8 + payload.size());
  out.resize(off + NLMSG_ALIGN(len));
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(len);
  h.nlmsg_type = NLMSG_NOOP;
  std::memcpy(out.data() + off, &h, sizeof h);
  std::memcpy(out.data() + off + NLMSG_HDRLEN, magic, 4);
  std::memcpy(out.data() + off + NLMSG_HDRLEN + 4, &id, 4);
  if (!payload.empty())
    std::memcpy(out.data() + off + NLMSG_HDRLEN + 8, payload.data(), payload.size());
}

std::vector<uint8_t> marker(uint32_t id) {
  std::vector<uint8_t> out;
  append_marker(out, kMarkerMagic, id);
  return out;
}

}  // namespace

std::vector<uint8_t> table_marker(Table t) { return marker(static_cast<uint32_t>(t)); }

std::vector<uint8_t> end_of_recording_marker() { return marker(kEndOfRecording); }

std::vector<uint8_t> namespace_marker(uint32_t index) {
  std::vector<uint8_t> out;
  append_marker(out, kNamespaceMagic, index);
  return out;
}

std::vector<uint8_t> evidence_chunks(std::string_view payload) {
  static_assert(kMaxEvidenceChunkBytes + 64 < kMaxDumpMessageBytes);
  std::vector<uint8_t> out;
  uint32_t seq = 0;
  size_t at = 0;
  do {
    size_t n = std::min(kMaxEvidenceChunkBytes, payload.size() - at);
    append_marker(out, kEvidenceMagic, seq++, payload.substr(at, n));
    at += n;
  } while (at < payload.size());
  return out;
}

Expected<void> replay_tcpdiag_file(const std::string& path, const RecordSink& sink) {
  auto reader = open_reader(path);
  if (!reader) return reader.error();
  std::vector<uint8_t> buf;
  // Messages are copied into an aligned buffer: a file's bytes need not be.
  std::vector<uint64_t> aligned;
  for (;;) {
    buf.clear();
    uint64_t off = reader->offset();
    auto at = reader->next(buf);
    if (!at) return at.error();
    if (!*at) break;
    nlmsghdr h = header_at(buf, 0);
    if (h.nlmsg_type == NLMSG_DONE) return {};
    if (h.nlmsg_type == NLMSG_ERROR) {
      if (h.nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
        return Error{fmt::format("{}: ERROR truncated at offset {}", path, off), EBADMSG};
      nlmsgerr e;
      std::memcpy(&e, buf.data() + NLMSG_HDRLEN, sizeof e);
      int err = nlmsgerr_errno(e.error);  // found by fuzz_dumpfile: INT_MIN
      return Error{fmt::format("TCPDIAG answered: {}", std::strerror(err)), err};
    }
    aligned.assign((size_t{h.nlmsg_len} + 7) / 8, 0);
    std::memcpy(aligned.data(), buf.data(), h.nlmsg_len);
    auto rec = parse_inet_msg(*reinterpret_cast<const nlmsghdr*>(aligned.data()), Table::Tcp);
    if (!rec)
      return Error{fmt::format("{}: offset {}: {}", path, off, rec.error().message), EBADMSG};
    if (!sink(std::move(*rec))) return {};
  }
  // ss's only legal exit is an NLMSG_DONE; a file without one was cut short.
  return Error{fmt::format("{}: unexpected end of file at offset {} (no NLMSG_DONE)", path,
                           reader->offset()),
               EBADMSG};
}

Expected<ReplaySource> ReplaySource::open(const std::string& path) {
  auto reader = open_reader(path);
  if (!reader) return reader.error();
  ReplaySource src;
  src.path_ = path;
  Table cur = Table::Tcp;
  bool has_markers = false, ended = false;
  uint32_t ns = 0;
  uint32_t next_chunk = 0;
  // An unterminated dump: where it began (a marker or its first message).
  constexpr size_t kClosed = SIZE_MAX;
  size_t open_since = kClosed;
  auto truncated = [&](size_t since, const char* where) {
    return Error{fmt::format("{}: truncated recording: the {} dump that begins at offset {} has "
                             "no NLMSG_DONE {}",
                             path, table_netid(cur), since, where),
                 EBADMSG};
  };
  for (;;) {
    auto at = reader->next(src.bytes_);
    if (!at) return at.error();
    if (!*at) break;
    size_t off = **at;
    if (ended)
      return Error{
          fmt::format("{}: data after the end-of-recording marker at offset {}", path, off),
          EBADMSG};
    nlmsghdr h = header_at(src.bytes_, off);
    if (auto idx = marker_id(src.bytes_, off, kNamespaceMagic)) {
      if (open_since != kClosed) return truncated(open_since, "before the next namespace");
      // Index 0 is the first namespace's own marker; each later one counts up.
      if (*idx != (src.has_ns_markers_ ? ns + 1 : 0))
        return Error{
            fmt::format("{}: namespace marker {} out of order at offset {}", path, *idx, off),
            EBADMSG};
      src.has_ns_markers_ = true;
      ns = *idx;
      src.namespaces_ = size_t{ns} + 1;
      continue;
    }
    if (auto seq = marker_id(src.bytes_, off, kEvidenceMagic)) {
      if (open_since != kClosed) return truncated(open_since, "before the evidence");
      if (*seq != next_chunk)
        return Error{fmt::format("{}: evidence chunk {} at offset {}, expected chunk {}", path,
                                 *seq, off, next_chunk),
                     EBADMSG};
      if (next_chunk == 0) src.evidence_offset_ = off;
      ++next_chunk;
      src.has_evidence_ = true;
      src.evidence_.append(
          reinterpret_cast<const char*>(src.bytes_.data()) + off + NLMSG_HDRLEN + 8,
          h.nlmsg_len - NLMSG_HDRLEN - 8);
      continue;
    }
    if (auto id = marker_id(src.bytes_, off)) {
      if (open_since != kClosed) return truncated(open_since, "before the next table");
      has_markers = true;
      if (*id == kEndOfRecording) {
        ended = true;
        continue;
      }
      if (*id >= static_cast<uint32_t>(Table::Count))
        return Error{fmt::format("{}: unknown table id {} at offset {}", path, *id, off), EBADMSG};
      cur = static_cast<Table>(*id);
      open_since = off;  // a marker announces a dump: its DONE must follow
    } else if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR) {
      // NLMSG_ERROR: a recorded refusal (the kernel lacks that table), so the
      // table is empty; either way the dump is complete.
      open_since = kClosed;
    } else if (h.nlmsg_type >= NLMSG_MIN_TYPE) {
      if (open_since == kClosed) open_since = off;
      src.msgs_.push_back({cur, off, ns});
    }
  }
  if (src.bytes_.empty())
    return Error{fmt::format("{}: empty recording (not one dump in it)", path), EBADMSG};
  if (open_since != kClosed) return truncated(open_since, "(the file ends first)");
  if (has_markers && !ended)
    return Error{fmt::format("{}: truncated recording: it has table markers but not the "
                             "end-of-recording marker that --record writes last",
                             path),
                 EBADMSG};
  return src;
}

Expected<DumpResult> ReplaySource::dump(const DumpRequest& req, const RecordSink& sink) {
  std::vector<uint64_t> aligned;
  for (const auto& m : msgs_) {
    if (m.ns != ns_) continue;
    auto group = [](Table t) {  // one dump serves every unix (packet, vsock) table
      if (t == Table::UnixStream || t == Table::UnixDgram || t == Table::UnixSeq) return 1;
      if (t == Table::PacketRaw || t == Table::PacketDgram) return 2;
      if (t == Table::VsockStream || t == Table::VsockDgram) return 3;
      return 0;
    };
    // The families whose kernel dump applies the request's state mask.
    bool masked = group(m.table) == 1 || group(m.table) == 3 || m.table == Table::Tipc;
    if (group(req.table) ? group(req.table) != group(m.table) : m.table != req.table) continue;
    nlmsghdr h;
    std::memcpy(&h, bytes_.data() + m.offset, sizeof h);
    aligned.assign((size_t{h.nlmsg_len} + 7) / 8, 0);
    std::memcpy(aligned.data(), bytes_.data() + m.offset, h.nlmsg_len);
    const auto& hh = *reinterpret_cast<const nlmsghdr*>(aligned.data());
    Expected<SocketRecord> rec = parse_reply(hh, m.table);
    if (!rec && rec.error().code == kNoSocket) continue;
    if (!rec)
      return Error{fmt::format("{}: offset {}: {}", path_, m.offset, rec.error().message), EBADMSG};
    bool inet = rec->family == AF_INET || rec->family == AF_INET6;
    if (inet && rec->family != req.family) continue;
    // A hostile state byte must not shift past the mask's width.
    if ((inet || masked) && (rec->state >= 32 || !(req.states & (1u << rec->state)))) continue;
    if (!sink(std::move(*rec))) {
      DumpResult res;
      res.stopped = true;
      return res;
    }
  }
  return DumpResult{};
}

}  // namespace sw
