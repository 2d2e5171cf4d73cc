// The HTTP module (sockwatch-http.so): cpp-httplib serving /metrics. Debian's
// libcpp-httplib.so is built with OpenSSL, brotli and zlib and initialises
// OpenSSL when it is loaded; linked into sockwatch itself it cost every run
// (an `ss -tan`, a `-V`) ~4.5 MB of resident memory and the loader's time.
// So only `metrics --listen` loads it (app/metrics_http.cpp, dlopen), through
// the one C-linkage entry point below.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "metrics_http.hpp"

namespace sw {

namespace {
int serve(const std::string& host, int port,
          const std::function<HttpReply(const std::string& accept)>& handler, std::string& error) {
  std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  httplib::Server svr;
  // Two workers: a kept-alive connection (Prometheus keeps one) must not
  // block a second client; scrapes still run one at a time.
  svr.new_task_queue = [] { return new httplib::ThreadPool(2); };
  std::mutex one_scrape;
  svr.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(one_scrape);
    HttpReply r = handler(req.get_header_value("Accept"));
    res.set_content(r.body, r.content_type.c_str());
  });
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("sockwatch metrics: the exposition is at /metrics\n", "text/plain");
  });
  errno = 0;
  if (!svr.bind_to_port(host, port)) {
    // httplib closes the socket and returns false: errno is still bind(2)'s.
    int e = errno;
    error = where + ": " + (e ? std::strerror(e) : "cannot listen there");
    return 1;
  }
  std::atomic<bool> ended{false};
  bool listened = true;
  std::thread server([&] {
    listened = svr.listen_after_bind();
    ended = true;
  });
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  // The signals are blocked: wait for one; a second's timeout only to notice
  // a server that ended on its own.
  bool signalled = false;
  while (!ended && !signalled) {
    timespec second{1, 0};
    signalled = sigtimedwait(&stop_signals, nullptr, &second) > 0;
  }
  svr.stop();
  server.join();
  if (!signalled && !listened) {
    error = where + ": the server stopped accepting connections";
    return 1;
  }
  return 0;
}

}  // namespace

}  // namespace sw

// Same compiler, same libstdc++: C++ types cross this boundary as they would
// between two translation units; C linkage only fixes the symbol's name.
extern "C" __attribute__((visibility("default"))) int sockwatch_http_serve_metrics(
    const std::string& host, int port,
    const std::function<sw::HttpReply(const std::string&)>& handler, std::string& error) {
  return sw::serve(host, port, handler, error);
}
