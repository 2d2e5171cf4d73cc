// Prints every sample event as "native NAME LINE" and "ecs NAME LINE", one
// per line, for validate.py to check against docs/schema/.
#include <cstdio>

#include "log_event_samples.hpp"
#include "render/event_json.hpp"

int main() {
  auto host = sw::test::sample_host();
  // And a host whose optional identity is unknown: those fields must be optional.
  sw::HostInfo bare{"h", "", "", ""};
  for (const auto* h : {&host, &bare}) {
    for (const auto& [name, ev] : sw::test::sample_events()) {
      std::printf("native %s %s\n", name.c_str(), sw::format_event_native(ev, *h).c_str());
      std::printf("ecs %s %s\n", name.c_str(), sw::format_event_ecs(ev, *h).c_str());
    }
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
