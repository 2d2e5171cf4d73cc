// The details pane's sections for one inspected socket (src/tui/details.hpp
// gathers them; this turns them into the pane's plain rows).
#pragma once

#include <string>
#include <vector>

#include "core/snapshot.hpp"
#include "core/socket_record.hpp"
#include "tui/top_app.hpp"

namespace sw {

std::vector<tui::PaneSection> top_details(const SocketRecord& inspected, const SnapEntry& e,
                                          const OwnerInfo* owner, const std::string& proc_root,
                                          int64_t now_wall_us);
// Only the owner's section: for a socket the kernel could not be asked about.
std::vector<tui::PaneSection> top_process_details(const OwnerInfo* owner,
                                                  const std::string& proc_root,
                                                  int64_t now_wall_us);

}  // namespace sw
