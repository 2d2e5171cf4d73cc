#include "render/inet_ext_pack.hpp"

#include <algorithm>
#include <cstring>

namespace sw {

namespace {

// Presence bits (the optionals and the out-of-line InetExt).
enum : uint32_t {
  kProtocol = 1u << 0,
  kShutdown = 1u << 1,
  kMark = 1u << 2,
  kCgroup = 1u << 3,
  kV6only = 1u << 4,
  kSockopt = 1u << 5,
  kExt = 1u << 6,
  kInfo = 1u << 7,
  kVegas = 1u << 8,
  kDctcp = 1u << 9,
  kBbr = 1u << 10,
  kMeminfo = 1u << 11,
  kTos = 1u << 12,
  kTclass = 1u << 13,
  kClassId = 1u << 14,
};

// Every piece starts on a 4-byte boundary, so a field keeps its word offset
// from one row to the next whatever the pieces before it hold.
void pad4(std::string& out) {
  if (size_t r = out.size() % 4) out.append(4 - r, '\0');
}

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
  pad4(out);
}

void put_bytes(std::string& out, const std::string& s) {
  put(out, static_cast<uint32_t>(s.size()));
  out.append(s);
  pad4(out);
}

struct Reader {
  std::string_view in;
  size_t pos = 0;
  template <typename T>
  void get(T& v) {
    std::memset(&v, 0, sizeof v);
    size_t n = std::min(sizeof v, in.size() > pos ? in.size() - pos : 0);
    std::memcpy(&v, in.data() + pos, n);
    pos += (sizeof v + 3) & ~size_t{3};
  }
  template <typename T>
  void get_opt(bool present, std::optional<T>& v) {
    if (!present) {
      v.reset();
      return;
    }
    T t;
    get(t);
    v = t;
  }
  void get_bytes(std::string& s) {
    uint32_t n = 0;
    get(n);
    size_t avail = in.size() > pos ? in.size() - pos : 0;
    s.assign(in.data() + pos, std::min<size_t>(n, avail));
    pos += (size_t{n} + 3) & ~size_t{3};
  }
};

// The fixed head: small fields first, so one word holds four of them. No
// member initialisers: `Head h{}` zeroes it (padding included) and the reader
// memsets it.
struct Head {
  uint8_t table, family, state, timer;
  uint8_t retrans, protocol, shutdown, v6only;
  uint8_t tos, tclass, pad0, pad1;
  uint32_t flags, expires, uid, mark, class_id, info_len, skmem_n, pad2;
  uint64_t inode, cookie, cgroup_id;
};

}  // namespace

void pack_inet_ext(const SocketRecord& r, std::string& out) {
  out.clear();
  const InetExt* e = r.ext.get();
  Head h{};
  h.table = static_cast<uint8_t>(r.table);
  h.family = r.family;
  h.state = r.state;
  h.timer = r.timer;
  h.retrans = r.retrans;
  h.protocol = r.protocol.value_or(0);
  h.shutdown = r.shutdown.value_or(0);
  h.v6only = r.v6only.value_or(0);
  uint32_t f = 0;
  if (r.protocol) f |= kProtocol;
  if (r.shutdown) f |= kShutdown;
  if (r.mark) f |= kMark;
  if (r.cgroup_id) f |= kCgroup;
  if (r.v6only) f |= kV6only;
  if (r.sockopt) f |= kSockopt;
  if (e) {
    f |= kExt;
    if (e->info) f |= kInfo;
    if (e->vegas) f |= kVegas;
    if (e->dctcp) f |= kDctcp;
    if (e->bbr) f |= kBbr;
    if (e->meminfo) f |= kMeminfo;
    if (e->tos) f |= kTos;
    if (e->tclass) f |= kTclass;
    if (e->class_id) f |= kClassId;
    h.tos = e->tos.value_or(0);
    h.tclass = e->tclass.value_or(0);
    h.class_id = e->class_id.value_or(0);
    h.info_len = e->info_len;
    h.skmem_n = static_cast<uint32_t>(e->skmem.size());
  }
  h.flags = f;
  h.expires = r.expires;
  h.uid = r.uid;
  h.mark = r.mark.value_or(0);
  h.inode = r.inode;
  h.cookie = r.cookie;
  h.cgroup_id = r.cgroup_id.value_or(0);
  put(out, h);
  if (r.sockopt) put(out, *r.sockopt);
  if (!e) return;
  if (e->info) put(out, *e->info);
  if (e->vegas) put(out, *e->vegas);
  if (e->dctcp) put(out, *e->dctcp);
  if (e->bbr) put(out, *e->bbr);
  if (e->meminfo) put(out, *e->meminfo);
  if (!e->skmem.empty()) {
    out.append(reinterpret_cast<const char*>(e->skmem.data()), e->skmem.size() * sizeof(uint32_t));
  }
  put_bytes(out, e->cong);
  put_bytes(out, e->raw_info);
  put_bytes(out, e->md5sig);
  put_bytes(out, e->ulp);
  put_bytes(out, e->locals);
  put_bytes(out, e->peers);
}

void unpack_inet_ext(std::string_view in, SocketRecord& r) {
  Reader rd{in};
  Head h;
  rd.get(h);
  uint32_t f = h.flags;
  r.from_proc = false;
  r.table = static_cast<Table>(h.table);
  r.family = h.family;
  r.state = h.state;
  r.timer = h.timer;
  r.retrans = h.retrans;
  r.expires = h.expires;
  r.uid = h.uid;
  r.inode = h.inode;
  r.cookie = h.cookie;
  r.protocol = (f & kProtocol) ? std::optional<uint8_t>(h.protocol) : std::nullopt;
  r.shutdown = (f & kShutdown) ? std::optional<uint8_t>(h.shutdown) : std::nullopt;
  r.v6only = (f & kV6only) ? std::optional<uint8_t>(h.v6only) : std::nullopt;
  r.mark = (f & kMark) ? std::optional<uint32_t>(h.mark) : std::nullopt;
  r.cgroup_id = (f & kCgroup) ? std::optional<uint64_t>(h.cgroup_id) : std::nullopt;
  rd.get_opt(f & kSockopt, r.sockopt);
  if (!(f & kExt)) {
    r.ext.reset();
    return;
  }
  InetExt& e = r.ensure_ext();
  rd.get_opt(f & kInfo, e.info);
  rd.get_opt(f & kVegas, e.vegas);
  rd.get_opt(f & kDctcp, e.dctcp);
  rd.get_opt(f & kBbr, e.bbr);
  rd.get_opt(f & kMeminfo, e.meminfo);
  e.info_len = h.info_len;
  e.tos = (f & kTos) ? std::optional<uint8_t>(h.tos) : std::nullopt;
  e.tclass = (f & kTclass) ? std::optional<uint8_t>(h.tclass) : std::nullopt;
  e.class_id = (f & kClassId) ? std::optional<uint32_t>(h.class_id) : std::nullopt;
  e.skmem.resize(h.skmem_n);
  for (uint32_t i = 0; i < h.skmem_n; ++i) rd.get(e.skmem[i]);
  rd.get_bytes(e.cong);
  rd.get_bytes(e.raw_info);
  rd.get_bytes(e.md5sig);
  rd.get_bytes(e.ulp);
  rd.get_bytes(e.locals);
  rd.get_bytes(e.peers);
}

}  // namespace sw
