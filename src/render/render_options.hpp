// What the ss-compatible text renderer should show. Filled by app/ from the
// command line; libraries never read argv themselves.
#pragma once

namespace sw {

struct RenderOptions {
  bool numeric = false;            // -n
  bool resolve = false;            // -r
  bool show_options = false;       // -o (also set by -e and -b, as ss does)
  bool show_details = false;       // -e
  bool show_mem = false;           // -m
  bool show_tcpinfo = false;       // -i
  bool show_tos = false;           // --tos
  bool show_cgroup = false;        // --cgroup
  bool show_inet_sockopt = false;  // --inet-sockopt
  bool show_users = false;         // -p
  bool show_threads = false;       // -T
  bool show_tipcinfo = false;      // --tipcinfo
  bool oneline = false;            // -O
  bool show_header = true;         // !-H
};

}  // namespace sw
