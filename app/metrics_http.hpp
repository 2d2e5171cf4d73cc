// The HTTP side of `sockwatch metrics --listen`: cpp-httplib serving
// /metrics (and a pointer to it on /), in a module loaded only then
// (app/http: the library drags OpenSSL into every process that links it).
// The handler is called on the server's worker threads, one at a time (a
// scrape enters namespaces and shares caches).
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
// the address cannot be bound, the server fails, or the module cannot be
// loaded (`error` names it and dlerror's reason).
int serve_metrics(const std::string& host, int port,
                  const std::function<HttpReply(const std::string& accept)>& handler,
                  std::string& error);

}  // namespace sw
