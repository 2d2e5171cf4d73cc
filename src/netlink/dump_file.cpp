#include "netlink/dump_file.hpp"

#include <fmt/format.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "netlink/parse.hpp"

namespace sw {

namespace {

constexpr char kMarkerMagic[4] = {'S', 'W', 'T', 'B'};

Expected<std::vector<uint8_t>> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: {}", path, std::strerror(errno)), errno};
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{fmt::format("{}: read error", path), EIO};
  return data;
}

// Validates the message at `off`; returns its aligned length or an Error.
Expected<size_t> message_at(const std::string& path, const std::vector<uint8_t>& b, size_t off) {
  if (b.size() - off < sizeof(nlmsghdr))
    return Error{fmt::format("{}: truncated message header at offset {}", path, off), EBADMSG};
  nlmsghdr h;
  std::memcpy(&h, b.data() + off, sizeof h);
  if (h.nlmsg_len < sizeof(nlmsghdr))
    return Error{fmt::format("{}: corrupt message length {} at offset {}", path, h.nlmsg_len, off),
                 EBADMSG};
  // In size_t: NLMSG_ALIGN on the 32-bit field wraps 0xfffffffd.. to 0 (a
  // zero-length message would loop forever; found by fuzz_dumpfile).
  size_t len = (size_t{h.nlmsg_len} + NLMSG_ALIGNTO - 1) & ~size_t{NLMSG_ALIGNTO - 1};
  if (len > b.size() - off) {
    // The last message of a file need not carry its alignment padding.
    if (h.nlmsg_len <= b.size() - off) return b.size() - off;
    return Error{fmt::format("{}: truncated message at offset {} (needs {} bytes, {} left)", path,
                             off, h.nlmsg_len, b.size() - off),
                 EBADMSG};
  }
  return len;
}

}  // namespace

std::vector<uint8_t> table_marker(Table t) {
  std::vector<uint8_t> out(NLMSG_LENGTH(8));
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_LENGTH(8);
  h.nlmsg_type = NLMSG_NOOP;
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + NLMSG_HDRLEN, kMarkerMagic, 4);
  uint32_t id = static_cast<uint32_t>(t);
  std::memcpy(out.data() + NLMSG_HDRLEN + 4, &id, 4);
  return out;
}

Expected<void> replay_tcpdiag_file(const std::string& path, const RecordSink& sink) {
  auto data = read_all(path);
  if (!data) return data.error();
  auto& b = *data;
  // Messages are copied into an aligned buffer: a file's bytes need not be.
  std::vector<uint64_t> aligned;
  for (size_t off = 0; off < b.size();) {
    auto len = message_at(path, b, off);
    if (!len) return len.error();
    nlmsghdr h;
    std::memcpy(&h, b.data() + off, sizeof h);
    if (h.nlmsg_type == NLMSG_DONE) return {};
    if (h.nlmsg_type == NLMSG_ERROR) {
      if (h.nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr)))
        return Error{fmt::format("{}: ERROR truncated at offset {}", path, off), EBADMSG};
      nlmsgerr e;
      std::memcpy(&e, b.data() + off + NLMSG_HDRLEN, sizeof e);
      int err = nlmsgerr_errno(e.error);  // found by fuzz_dumpfile: INT_MIN
      return Error{fmt::format("TCPDIAG answered: {}", std::strerror(err)), err};
    }
    aligned.assign((size_t{h.nlmsg_len} + 7) / 8, 0);
    std::memcpy(aligned.data(), b.data() + off, h.nlmsg_len);
    auto rec = parse_inet_msg(*reinterpret_cast<const nlmsghdr*>(aligned.data()), Table::Tcp);
    if (!rec)
      return Error{fmt::format("{}: offset {}: {}", path, off, rec.error().message), EBADMSG};
    sink(std::move(*rec));
    off += *len;
  }
  // ss's only legal exit is an NLMSG_DONE; a file without one was cut short.
  return Error{
      fmt::format("{}: unexpected end of file at offset {} (no NLMSG_DONE)", path, b.size()),
      EBADMSG};
}

Expected<ReplaySource> ReplaySource::open(const std::string& path) {
  auto data = read_all(path);
  if (!data) return data.error();
  ReplaySource src;
  src.path_ = path;
  src.bytes_ = std::move(*data);
  Table cur = Table::Tcp;
  for (size_t off = 0; off < src.bytes_.size();) {
    auto len = message_at(path, src.bytes_, off);
    if (!len) return len.error();
    nlmsghdr h;
    std::memcpy(&h, src.bytes_.data() + off, sizeof h);
    if (h.nlmsg_type == NLMSG_NOOP && h.nlmsg_len >= NLMSG_LENGTH(8) &&
        std::memcmp(src.bytes_.data() + off + NLMSG_HDRLEN, kMarkerMagic, 4) == 0) {
      uint32_t id;
      std::memcpy(&id, src.bytes_.data() + off + NLMSG_HDRLEN + 4, 4);
      if (id >= static_cast<uint32_t>(Table::Count))
        return Error{fmt::format("{}: unknown table id {} at offset {}", path, id, off), EBADMSG};
      cur = static_cast<Table>(id);
    } else if (h.nlmsg_type == NLMSG_ERROR) {
      // A recorded refusal (the kernel lacks that table): the table is empty.
    } else if (h.nlmsg_type >= NLMSG_MIN_TYPE) {
      src.msgs_.push_back({cur, off});
    }
    off += *len;
  }
  return src;
}

Expected<DumpResult> ReplaySource::dump(const DumpRequest& req, const RecordSink& sink) {
  std::vector<uint64_t> aligned;
  for (const auto& m : msgs_) {
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
    sink(std::move(*rec));
  }
  return DumpResult{};
}

}  // namespace sw
