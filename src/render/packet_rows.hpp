// Cells of ss 6.1's row for an AF_PACKET socket (packet_show_sock /
// packet_stats_print): "PROTO:IFACE" local address, "*" peer, users, and the
// -e/-b detail text (ver, cpy_thresh, flags, rings, fanout, bpf filter).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/socket_record.hpp"
#include "enrich/names.hpp"
#include "render/render_options.hpp"
#include "render/text_table.hpp"

namespace sw {

class OwnerIndex;

struct PacketRowContext {
  const RenderOptions& opt;
  bool show_bpf;
  InterfaceNames& ifnames;
  const OwnerIndex* owners;
};

// Ethertype (host order) as iproute2's ll_proto_n2a prints it: the name from
// its table ("ip", "arp", "802.1Q", "LLDP", ...), else "[N]" in decimal; with
// `numeric` always "[N]". (The "*" for ETH_P_ALL is the row's business.)
std::string ll_proto_name(uint16_t proto, bool numeric);

// Fills cells[kColNetid..kColProcess] (cleared by the caller).
void packet_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                  const PacketRowContext& ctx);

}  // namespace sw
