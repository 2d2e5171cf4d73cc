// serve_metrics: loads the HTTP module (app/http, sockwatch-http.so) and
// calls into it. The module sits in lib/sockwatch/ beside the bin/ directory
// this binary runs from: /usr/lib/sockwatch/ when installed under /usr, and
// build/<preset>/lib/sockwatch/ in a build tree (the build puts it there).
#include "metrics_http.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace sw {

namespace {
using ServeFn = int (*)(const std::string&, int,
                        const std::function<HttpReply(const std::string&)>&, std::string&);

std::string module_path() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  std::string_view path(exe, static_cast<size_t>(n));
  std::string_view dir = path.substr(0, path.rfind('/'));  // the kernel gives an absolute path
  return std::string(dir) + "/../lib/sockwatch/sockwatch-http.so";
}
}  // namespace

int serve_metrics(const std::string& host, int port,
                  const std::function<HttpReply(const std::string& accept)>& handler,
                  std::string& error) {
  std::string path = module_path();
  if (path.empty()) {
    error = std::string("cannot find the HTTP module: /proc/self/exe: ") + std::strerror(errno);
    return 1;
  }
  // Never unloaded: the server's threads are joined before return, but
  // OpenSSL registers exit handlers that live in the module.
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    error = "cannot load the HTTP module (sockwatch-http.so): " + std::string(dlerror());
    return 1;
  }
  auto fn = reinterpret_cast<ServeFn>(dlsym(h, "sockwatch_http_serve_metrics"));
  if (!fn) {
    error = path + ": not sockwatch's HTTP module: " + std::string(dlerror());
    return 1;
  }
  return fn(host, port, handler, error);
}

}  // namespace sw
