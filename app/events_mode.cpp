#include "events_mode.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "netlink/events.hpp"
#include "plan.hpp"
#include "render/json_writer.hpp"
#include "render/output.hpp"

namespace sw {

// -E: print each destroyed socket as the kernel reports it, flushed at once
// (ss 6.1 buffers and loses events when killed; we do not).
// With -j/--ndjson every event is one JSON object on its own line.
int follow_events(const SsOptions& o, const Filter* filter, TextTable& table, SsRowFormatter& fmt,
                  JsonSocketFormatter* json) {
  EventGroups g;
  bool v4 = has_family(o, AF_INET), v6 = has_family(o, AF_INET6);
  g.tcp4 = v4 && has_table(o, Table::Tcp);
  g.udp4 = v4 && has_table(o, Table::Udp);
  g.tcp6 = v6 && has_table(o, Table::Tcp);
  g.udp6 = v6 && has_table(o, Table::Udp);
  if (!g.any()) return 255;  // ss exits -1 when no TCP/UDP table is selected
  Writer out(STDOUT_FILENO);
  int width = screen_width();
  auto flush_rows = [&]() {
    table.render(out, width);
    table.clear_rows();
    return out.flush();
  };
  bool write_failed = false;
  bool seen_any = false;
  auto res = listen_destroy_events(
      g,
      [&](SocketRecord&& r) {
        bool first = !seen_any;
        seen_any = true;
        if (!has_family(o, r.family) || (filter && !filter->matches(r))) {
          // ss prints its header when the first event arrives, matched or not,
          // so a filtered-out first event leaves a header sized to itself.
          if (first && !json && !table.empty() && !flush_rows()) {
            write_failed = !out.broken_pipe();
            return false;
          }
          return true;
        }
        bool ok;
        if (json) {
          JsonWriter w(out.buf());
          json->write(w, r, true);
          out.buf().push_back('\n');
          ok = out.flush();
        } else {
          fmt.add(table, r);
          ok = flush_rows();
        }
        if (!ok) {
          write_failed = !out.broken_pipe();
          return false;
        }
        return true;
      },
      [] {
        std::fputs("sockwatch: -E: the kernel dropped events (receive buffer full)\n", stderr);
      });
  if (write_failed) {
    std::fprintf(stderr, "sockwatch: writing stdout: %s\n", std::strerror(out.error()));
    return 1;
  }
  if (!res) {
    std::fprintf(stderr, "%s\n", res.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace sw
