// JsonSocketFormatter: one SocketRecord -> one socket object of schema
// sockwatch/1 (docs/json-schema.md). Fields appear exactly when the options
// that show them in text were given; the values are the raw typed numbers.
#pragma once

#include <string>

#include "core/socket_record.hpp"
#include "enrich/container.hpp"
#include "enrich/names.hpp"
#include "enrich/netns_label.hpp"
#include "enrich/services.hpp"
#include "procfs/owner_index.hpp"
#include "render/json_writer.hpp"
#include "render/ss_rows.hpp"

namespace sw {

inline constexpr const char kJsonSchema[] = "sockwatch/1";

class JsonSocketFormatter {
 public:
  explicit JsonSocketFormatter(RowContext ctx);
  // Writes one object; with_schema adds the "schema" field (NDJSON lines).
  void write(JsonWriter& w, const SocketRecord& r, bool with_schema);
  // --all-netns: later objects carry "netns" for this namespace (call after
  // entering it: interface names are resolved there).
  void set_netns(const NetnsLabel& ns) { set_netns(ns, InterfaceNames()); }
  void set_netns(const NetnsLabel& ns, InterfaceNames names) {
    netns_ = ns;
    has_netns_ = true;
    ifnames_ = std::move(names);
  }

 private:
  void endpoint(JsonWriter& w, const SocketRecord& r, const IpAddr& a, uint16_t port, bool local);
  void owners(JsonWriter& w, const SocketRecord& r);
  void owner_details(JsonWriter& w, const ProcessDetails* d);
  void write_tcp_info(JsonWriter& w, const InetExt& e);
  RowContext ctx_;
  ServiceNames services_;
  InterfaceNames ifnames_;
  HostNames hosts_;
  NetlinkProtocols nl_protos_;
  NetnsLabel netns_;
  bool has_netns_ = false;
};

// "container": {"runtime", "id", "pod"} or null.
void write_container(JsonWriter& w, const ContainerRef& c);
// "netns": {"inode", "name", "container", "current"} (--all-netns).
void write_netns(JsonWriter& w, const NetnsLabel& ns);
// The document's "owner_scan" statistics (-j with -p).
void write_owner_scan_json(JsonWriter& w, const OwnerScanStats& st);

// Filter-language name of a state ("established", "unconnected", ...).
std::string_view json_state_name(int state);
// sockwatch/1's "family" value ("inet", "inet6", "unix", ...; "unknown").
std::string_view family_name(int af);

}  // namespace sw
