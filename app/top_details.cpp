#include "top_details.hpp"

#include <algorithm>

#include "tui/details.hpp"

namespace sw {

std::vector<tui::PaneSection> top_details(const SocketRecord& r, const SnapEntry& e,
                                          const OwnerInfo* owner, const std::string& proc_root,
                                          int64_t now_wall_us) {
  std::vector<tui::PaneSection> out;
  for (DetailsSection& s : socket_details(r, e, owner, proc_root, now_wall_us))
    out.push_back({std::move(s.title), std::move(s.fields)});
  // Who holds the socket matters most to the person looking: right after
  // the socket's identity, before the kernel's counters.
  auto proc = std::find_if(out.begin(), out.end(),
                           [](const tui::PaneSection& s) { return s.title == "Process"; });
  if (proc != out.end() && out.size() > 2) std::rotate(out.begin() + 1, proc, proc + 1);
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
