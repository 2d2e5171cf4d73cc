#include "db_path.hpp"

#include <unistd.h>

#include <cstdlib>

namespace sw {

std::string default_db_path(uid_t euid, const char* xdg_state_home, const char* home) {
  if (euid == 0) return "/var/lib/sockwatch/sockwatch.db";
  if (xdg_state_home && xdg_state_home[0] == '/')
    return std::string(xdg_state_home) + "/sockwatch/sockwatch.db";
  if (home && home[0] == '/') return std::string(home) + "/.local/state/sockwatch/sockwatch.db";
  return {};
}

std::string default_db_path() {
  return default_db_path(geteuid(), std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
}

}  // namespace sw
