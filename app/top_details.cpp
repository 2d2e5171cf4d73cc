#include "top_details.hpp"

#include "tui/details.hpp"

namespace sw {

std::vector<tui::PaneSection> top_details(const SocketRecord& r, const SnapEntry& e,
                                          const OwnerInfo* owner, const std::string& proc_root,
                                          int64_t now_wall_us) {
  std::vector<tui::PaneSection> out;
  for (DetailsSection& s : socket_details(r, e, owner, proc_root, now_wall_us))
    out.push_back({std::move(s.title), std::move(s.fields)});
  return out;
}

}  // namespace sw

namespace sw {

std::vector<tui::PaneSection> top_process_details(const OwnerInfo* owner,
                                                  const std::string& proc_root,
                                                  int64_t now_wall_us) {
  DetailsSection s = process_section(owner, proc_root, now_wall_us);
  return {{std::move(s.title), std::move(s.fields)}};
}

}  // namespace sw
