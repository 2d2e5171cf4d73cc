// The HTTP side of `sockwatch metrics --listen`: cpp-httplib serving
// /metrics (and a pointer to it on /), kept in its own file so that the
// large header compiles once. The handler is called on the server's worker
// threads, one at a time (a scrape enters namespaces and shares caches).
#pragma once

#include <functional>
#include <string>

namespace sw {

struct HttpReply {
  std::string body;
  std::string content_type;
};

// Binds host:port (numeric), serves until a blocked SIGINT or SIGTERM is
// pending (the caller blocks them in every thread first), then stops the
// server and returns 0. Returns 1 with `error` set ("ADDR:PORT: why") when
// the address cannot be bound or the server fails.
int serve_metrics(const std::string& host, int port,
                  const std::function<HttpReply(const std::string& accept)>& handler,
                  std::string& error);

}  // namespace sw
