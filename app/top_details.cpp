#include "top_details.hpp"

#include <fmt/format.h>

namespace sw {

// Placeholder until src/tui/details lands (the inspect helper): the socket's identity only.
std::vector<tui::PaneSection> top_details(const SocketRecord& r, const SnapEntry& e,
                                          const OwnerInfo* owner, const std::string& proc_root,
                                          int64_t now_wall_us) {
  (void)proc_root;
  (void)now_wall_us;
  tui::PaneSection s;
  s.title = "Socket";
  s.fields.emplace_back("cookie", fmt::format("{:#x}", e.key.cookie));
  s.fields.emplace_back("inode", std::to_string(r.inode));
  s.fields.emplace_back("netns", std::to_string(e.key.netns));
  if (owner) s.fields.emplace_back("pid", std::to_string(owner->pid));
  return {s};
}

}  // namespace sw
