// Test helpers for the packet/netlink row tests: read a fixture file, and
// render records through SsRowFormatter + TextTable (compact layout, as when
// ss writes to a pipe) into a string, to compare with recorded real-ss output.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/socket_record.hpp"
#include "render/output.hpp"
#include "render/ss_rows.hpp"
#include "render/text_table.hpp"

namespace sw::test {

inline std::string fixture_path(const std::string& rel) {
  return std::string(SW_FIXTURES_DIR) + "/" + rel;
}

inline std::string read_fixture(const std::string& rel) {
  std::ifstream in(fixture_path(rel), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TableShape {
  bool netid = true;   // more than one table selected
  bool state = false;  // more than one state in the mask
};

inline std::string render_rows(const std::vector<SocketRecord>& recs, const RowContext& ctx,
                               TableShape shape) {
  TextTable t;
  if (!shape.netid) t.disable(kColNetid);
  if (!shape.state) t.disable(kColState);
  if (ctx.opt.show_header) t.add_header();
  SsRowFormatter f(ctx);
  for (const auto& r : recs) f.add(t, r);
  char path[] = "/tmp/sw_pkt_XXXXXX";
  int fd = mkstemp(path);
  {
    Writer w(fd);
    t.render(w, -1);
  }
  close(fd);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  return ss.str();
}

}  // namespace sw::test
