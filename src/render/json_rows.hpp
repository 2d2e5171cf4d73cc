// JsonSocketFormatter: one SocketRecord -> one socket object of schema
// sockwatch/1 (docs/json-schema.md). Fields appear exactly when the options
// that show them in text were given; the values are the raw typed numbers.
#pragma once

#include <string>

#include "core/socket_record.hpp"
#include "enrich/names.hpp"
#include "enrich/services.hpp"
#include "render/json_writer.hpp"
#include "render/ss_rows.hpp"

namespace sw {

inline constexpr const char kJsonSchema[] = "sockwatch/1";

class JsonSocketFormatter {
 public:
  explicit JsonSocketFormatter(RowContext ctx);
  // Writes one object; with_schema adds the "schema" field (NDJSON lines).
  void write(JsonWriter& w, const SocketRecord& r, bool with_schema);

 private:
  void endpoint(JsonWriter& w, const SocketRecord& r, const IpAddr& a, uint16_t port, bool local);
  void owners(JsonWriter& w, const SocketRecord& r);
  void write_tcp_info(JsonWriter& w, const InetExt& e);
  RowContext ctx_;
  ServiceNames services_;
  InterfaceNames ifnames_;
  HostNames hosts_;
  NetlinkProtocols nl_protos_;
};

// Filter-language name of a state ("established", "unconnected", ...).
std::string_view json_state_name(int state);

}  // namespace sw
