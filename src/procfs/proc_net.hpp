// Parsers for the /proc/net text tables ss falls back to (no sock_diag handler,
// or PROC_* overrides): tcp/tcp6, udp/udp6, raw/raw6 and unix. Pure: text in,
// records out; the app opens the files. A malformed line is skipped and
// counted in LineSkips (naming the file and first bad line), never a crash and
// never the loss of the whole table: the kernel writes unix paths raw, so one
// socket bound to a path with a newline splits its line in two.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"

namespace sw {

// Lines a parser could not read and left out.
struct LineSkips {
  uint64_t count = 0;
  std::string first;  // "<name>: line N: why" of the first one
  void add(const std::string& name, size_t lineno, const char* why);
};

// `name` is used in messages only. `table` is Tcp, Udp or Raw; `family` AF_INET/AF_INET6.
// `user_hz` converts tick fields (USER_HZ, normally 100).
Expected<std::vector<SocketRecord>> parse_proc_inet(const std::string& text,
                                                    const std::string& name, Table table,
                                                    int family, int user_hz = 100,
                                                    LineSkips* skips = nullptr);

// /proc/net/unix (the current "Num RefCount Protocol Flags Type St Inode Path"
// format): records sorted by type then inode, as ss prints them.
Expected<std::vector<SocketRecord>> parse_proc_unix(const std::string& text,
                                                    const std::string& name,
                                                    LineSkips* skips = nullptr);

}  // namespace sw
