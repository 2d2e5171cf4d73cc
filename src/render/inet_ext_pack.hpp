// InetExtPack: the fields of a SocketRecord that append_inet_ext reads (timers,
// details, tos, cgroup, sockopt, skmem, tcp_info and its congestion-control
// structs, the raw MD5/ULP/SCTP/MPTCP attributes), as a flat byte image and
// back. The ss text table holds this image instead of the formatted -i/-m/-e/-o
// text until the column widths are known (TextTable's deferred tail): the
// image is laid out in 32-bit words at fixed offsets so that neighbouring
// sockets differ in a few words, which the table's word-delta codec stores in
// a few bytes. Pure: no I/O, no formatting. Records from /proc/net text
// (from_proc) are not packable; their text is short and kept as text.
#pragma once

#include <string>
#include <string_view>

#include "core/socket_record.hpp"

namespace sw {

// Appends r's image to `out` (cleared first). Only for !r.from_proc.
void pack_inet_ext(const SocketRecord& r, std::string& out);
// Restores the packed fields into `r` (every field pack_inet_ext wrote is
// overwritten; others are left alone). `in` is an image pack_inet_ext made,
// possibly followed by zero padding.
void unpack_inet_ext(std::string_view in, SocketRecord& r);

}  // namespace sw
