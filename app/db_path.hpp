// The default database path for `log --db`, `baseline` and `check` when no
// --db is given: /var/lib/sockwatch/sockwatch.db for root, else under the
// user's XDG state directory. Pure: the caller passes euid and environment.
#pragma once

#include <sys/types.h>

#include <string>

namespace sw {

// `xdg_state_home` / `home`: the environment's values (nullptr when unset).
// An empty or relative XDG_STATE_HOME is ignored, as the XDG spec says.
// "" when neither XDG_STATE_HOME nor HOME gives an absolute directory.
std::string default_db_path(uid_t euid, const char* xdg_state_home, const char* home);
// The same for this process (geteuid, getenv).
std::string default_db_path();

}  // namespace sw
