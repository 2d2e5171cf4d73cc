#include "events_mode.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engine/namespace_walk.hpp"
#include "netlink/events.hpp"
#include "plan.hpp"
#include "render/json_writer.hpp"
#include "render/output.hpp"

namespace sw {

namespace {

// -E --all-netns: one listener per namespace, opened inside it (a netlink
// socket stays bound to the namespace it was created in), then a poll loop.
// Rows are formatted back in our own namespace, so each namespace's
// interface names are read while we are in it.
Expected<void> follow_all_namespaces(NamespaceWalk& walk, const EventGroups& g,
                                     const EventSink& on_event,
                                     const std::function<void()>& on_overrun, SsRowFormatter& fmt,
                                     JsonSocketFormatter* json) {
  struct Source {
    EventListener listener;
    NetnsLabel label;
    InterfaceNames names;
  };
  std::vector<Source> sources;
  // Following needs one netlink socket per namespace for the whole run, so
  // past the fd limit (raised to the hard limit in main) some cannot be
  // followed: one line says how many and why, not one line per namespace.
  size_t failed = 0;
  std::string first_failure;
  int status = visit_namespaces(walk, [&](const NetnsLabel& ns) {
    auto l = EventListener::open(g);
    if (!l) {
      if (failed++ == 0) first_failure = "namespace " + ns.text() + ": " + l.error().message;
      return;
    }
    sources.push_back({std::move(*l), ns, InterfaceNames::snapshot()});
  });
  if (failed)
    std::fprintf(stderr, "sockwatch: -E: %zu of %zu namespaces not followed (first: %s)\n", failed,
                 failed + sources.size(), first_failure.c_str());
  if (status != 0) return Error{"sockwatch: -E --all-netns: lost our own namespace", EINVAL};
  report_namespaces(walk);  // now: -E runs until it is killed
  if (sources.empty()) return Error{"sockwatch: -E: no namespace could be followed", EINVAL};
  std::vector<pollfd> fds;
  for (const auto& s : sources) fds.push_back({s.listener.fd(), POLLIN, 0});
  for (;;) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Error{std::string("sockwatch: -E: poll: ") + std::strerror(errno), errno};
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLERR))) continue;
      Source& s = sources[i];
      auto labelled = [&](SocketRecord&& r) {
        fmt.set_netns(s.label, s.names);
        if (json) json->set_netns(s.label, s.names);
        return on_event(std::move(r));
      };
      auto r = s.listener.receive(labelled, on_overrun);
      if (!r) return r.error();
      if (!*r) return {};
    }
  }
}

}  // namespace

// -E: print each destroyed socket as the kernel reports it, flushed at once
// (ss 6.1 buffers and loses events when killed; we do not).
// With -j/--ndjson every event is one JSON object on its own line.
int follow_events(const SsOptions& o, NamespaceWalk* walk, const Filter* filter, TextTable& table,
                  SsRowFormatter& fmt, JsonSocketFormatter* json) {
  EventGroups g;
  bool v4 = has_family(o, AF_INET), v6 = has_family(o, AF_INET6);
  g.tcp4 = v4 && has_table(o, Table::Tcp);
  g.udp4 = v4 && has_table(o, Table::Udp);
  g.tcp6 = v6 && has_table(o, Table::Tcp);
  g.udp6 = v6 && has_table(o, Table::Udp);
  if (!g.any()) {
    // ss exits -1 here without a word; say why (known_diffs.md deviation 14).
    std::fputs(
        "sockwatch: -E: nothing to follow: the kernel sends socket destroy events only for "
        "TCP and UDP (over IPv4/IPv6), not for the selected sockets\n",
        stderr);
    return 255;
  }
  Writer out(STDOUT_FILENO);
  int width = screen_width();
  auto flush_rows = [&]() {
    table.render(out, width);
    table.clear_rows();
    return out.flush();
  };
  bool write_failed = false;
  bool seen_any = false;
  auto on_event = [&](SocketRecord&& r) {
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
  };
  auto on_overrun = [] {
    std::fputs("sockwatch: -E: the kernel dropped events (receive buffer full)\n", stderr);
  };
  Expected<void> res;
  if (!walk) {
    res = listen_destroy_events(g, on_event, on_overrun);
  } else {
    res = follow_all_namespaces(*walk, g, on_event, on_overrun, fmt, json);
  }
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
