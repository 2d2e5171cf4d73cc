// Cells of ss 6.1's rows for AF_VSOCK (vsock_stats_print), AF_TIPC
// (tipc_show_sock, --tipcinfo) and AF_XDP (xdp_stats_print, xdp_show_ring/
// umem/stats) sockets, and their JSON objects. Owns no state: interface names
// and owners come from the caller.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/socket_record.hpp"
#include "enrich/names.hpp"
#include "render/json_writer.hpp"
#include "render/render_options.hpp"
#include "render/text_table.hpp"

namespace sw {

class OwnerIndex;

struct FamilyRowContext {
  const RenderOptions& opt;
  InterfaceNames& ifnames;
  const OwnerIndex* owners;
};

// True for the records family_cells renders (vsock, tipc, xdp).
bool is_other_family(const SocketRecord& r);

// The Netid ss prints: v_str/v_dgr, ti_st/ti_dg/ti_rd/ti_sq, xdp ("???" for a
// socket type ss has no name for).
std::string_view family_netid(const SocketRecord& r);

// Fills cells[kColNetid..kColProcess] (cleared by the caller).
void family_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                  const FamilyRowContext& ctx);

// The "local"/"peer" endpoints and the family object ("vsock", "tipc",
// "xdp") of a socket object (docs/json-schema.md).
void write_family_json(JsonWriter& w, const SocketRecord& r, const RenderOptions& opt,
                       InterfaceNames& ifnames);

}  // namespace sw
