// Fuzzes the dump-file readers end to end, through a real file: the input goes
// into a memfd that is opened again by its /proc/self/fd path, so read_all,
// message framing, table markers, alignment copies and the parsers all run as
// they do for `sockwatch --replay FILE` and `TCPDIAG_FILE=FILE sockwatch`.
//
// Input: byte 0 picks the reader and the request, the rest is the file.
//   bit 0   0: ReplaySource::open + dump of every table (--replay recordings)
//           1: replay_tcpdiag_file (ss's TCPDIAG_FILE semantics)
//   bit 1   replay: state mask of every state (else ss's default SS_CONN mask)
#include <linux/netlink.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/socket_record.hpp"
#include "core/tables.hpp"
#include "netlink/dump_file.hpp"

namespace {

// One memfd for the whole process, rewritten for every input.
const std::string& input_path(int& fd) {
  static int memfd = -1;
  static std::string path;
  if (memfd < 0) {
    memfd = memfd_create("fuzz_dumpfile", MFD_CLOEXEC);
    if (memfd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path = "/proc/self/fd/" + std::to_string(memfd);
  }
  fd = memfd;
  return path;
}

void write_input(int fd, const uint8_t* data, size_t size) {
  if (ftruncate(fd, 0) != 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
}

// Reads every field a renderer or filter could read, so ASan sees any bad
// string or optional, and the copy constructor (Snapshot copies) runs too.
uint64_t touch(const sw::SocketRecord& r0) {
  sw::SocketRecord r(r0);
  uint64_t h = static_cast<uint64_t>(r.table) + r.family + r.state + r.inode + r.uid + r.cookie;
  h += static_cast<uint64_t>(r.rqueue) + static_cast<uint64_t>(r.wqueue);
  for (uint8_t b : r.local.bytes) h += b;
  for (uint8_t b : r.peer.bytes) h += b;
  h += r.local.is_any() + r.peer.is_v4_mapped();
  h += r.lport + r.rport + r.ifindex + r.timer + r.retrans + r.expires;
  h += r.protocol.value_or(0) + r.shutdown.value_or(0) + r.mark.value_or(0);
  h += r.cgroup_id.value_or(0) + r.v6only.value_or(0);
  if (r.sockopt) h += r.sockopt->recverr;
  auto str = [&h](const std::string& s) {
    for (char c : s) h += static_cast<uint8_t>(c);
  };
  auto vec = [&h](const std::vector<uint32_t>& v) {
    for (uint32_t x : v) h += x;
  };
  if (r.ext) {
    const auto& e = *r.ext;
    if (e.info) h += e.info->tcpi_rtt + e.info->tcpi_snd_cwnd;
    h += e.info_len;
    str(e.raw_info);
    str(e.cong);
    if (e.vegas) h += e.vegas->tcpv_rtt;
    if (e.dctcp) h += e.dctcp->dctcp_alpha;
    if (e.bbr) h += e.bbr->bbr_min_rtt;
    vec(e.skmem);
    if (e.meminfo) h += e.meminfo->idiag_rmem;
    h += e.tos.value_or(0) + e.tclass.value_or(0) + e.class_id.value_or(0);
    str(e.md5sig);
    str(e.ulp);
    str(e.locals);
    str(e.peers);
  }
  if (r.unix_ext) {
    const auto& u = *r.unix_ext;
    str(u.path);
    h += u.has_name + u.peer_inode + u.has_peer;
    if (u.vfs) h += u.vfs->first + u.vfs->second;
    if (u.icons) vec(*u.icons);
    vec(u.skmem);
    h += u.rqlen_rq.value_or(0) + u.rqlen_wq.value_or(0);
  }
  if (r.netlink_ext) {
    const auto& n = *r.netlink_ext;
    h += n.protocol + n.type + n.portid + n.dst_portid + n.dst_group + n.cb;
    vec(n.skmem);
    vec(n.groups);
  }
  if (r.packet_ext) {
    const auto& p = *r.packet_ext;
    h += p.type + p.protocol + p.fanout.value_or(0) + p.has_filter;
    if (p.info) h += p.info->pdi_index;
    if (p.mclist) h += p.mclist->pdmc_index;
    if (p.rx_ring) h += p.rx_ring->pdr_block_size;
    if (p.tx_ring) h += p.tx_ring->pdr_frame_nr;
    vec(p.skmem);
    str(p.filter);
  }
  str(r.proc_opt);
  h += sw::state_name(r.state).size() + sw::table_netid(r.table).size();
  return h;
}

volatile uint64_t g_sink;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  int fd = -1;
  const std::string& path = input_path(fd);
  write_input(fd, data + 1, size - 1);

  uint64_t h = 0;
  auto sink = [&h](sw::SocketRecord&& r) {
    h += touch(r);
    return true;
  };
  if (mode & 1) {
    auto res = sw::replay_tcpdiag_file(path, sink);
    if (!res) h += res.error().message.size();
  } else {
    auto src = sw::ReplaySource::open(path);
    if (!src) {
      h += src.error().message.size();
    } else {
      sw::DumpRequest req;
      req.states = (mode & 2) ? sw::kAllStates : sw::kConnStates;
      for (uint8_t t = 0; t < static_cast<uint8_t>(sw::Table::Count); ++t) {
        req.table = static_cast<sw::Table>(t);
        for (int family : {AF_INET, AF_INET6}) {
          req.family = family;
          auto res = src->dump(req, sink);
          if (!res) {
            h += res.error().message.size();
            break;  // the same message fails every family
          }
          h += static_cast<uint64_t>(res->kernel_error) + res->interrupted;
        }
      }
    }
  }
  g_sink = h;
  return 0;
}
