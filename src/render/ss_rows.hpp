// SsRowFormatter: one SocketRecord -> the nine cells of ss 6.1's table
// (Netid, State, Recv-Q, Send-Q, Local Address:, Port, Peer Address:, Port,
// Process) for inet, unix and netlink sockets. Owns the name caches it needs
// (services, interfaces, hosts); reads owners and cgroups through pointers the
// app provides. Untrusted text (paths, comm) is escaped here.
#pragma once

#include <array>
#include <string>

#include "core/socket_record.hpp"
#include "enrich/cgroup_names.hpp"
#include "enrich/names.hpp"
#include "enrich/netns_label.hpp"
#include "enrich/services.hpp"
#include "procfs/owner_index.hpp"
#include "render/render_options.hpp"
#include "render/text_table.hpp"

namespace sw {

struct RowContext {
  RenderOptions opt;
  PortRange ephemeral;
  const OwnerIndex* owners = nullptr;  // set when -p
  CgroupNames* cgroups = nullptr;      // set when -e / --cgroup
  bool show_bpf = false;               // -b
  uint32_t dbs = 0;                    // selected tables (ss's dg_proto leftovers)
};

class SsRowFormatter : public TailFormatter {
 public:
  explicit SsRowFormatter(RowContext ctx);
  // Formats and adds one row to `table`.
  void add(TextTable& table, const SocketRecord& r);
  // --all-netns: later rows belong to this namespace (their interface
  // indexes are resolved in it, so call this after entering it).
  void set_netns(const NetnsLabel& ns) { set_netns(ns, InterfaceNames()); }
  // The same with that namespace's interfaces read beforehand (-E: rows
  // formatted while we are back in our own namespace).
  void set_netns(const NetnsLabel& ns, InterfaceNames names) {
    netns_text_ = ns.text();
    ifnames_ = std::move(names);
  }
  // The inet extension text (-i/-m/-e/-o...) of a row whose record image the
  // table held instead (see inet_ext_pack.hpp).
  void format_tail(std::string_view image, std::string& out) const override;

 private:
  void inet_cells(const SocketRecord& r);
  void unix_cells(const SocketRecord& r);
  void netlink_cells(const SocketRecord& r);
  void users(const SocketRecord& r, std::string& out);
  // Both append to `out`.
  void inet_addr(std::string& out, const IpAddr& a, bool v6only);
  void port_text(std::string& out, const SocketRecord& r, uint16_t port);
  std::string service_text(const SocketRecord& r, uint16_t port);

  RowContext ctx_;
  ServiceNames services_;
  InterfaceNames ifnames_;
  HostNames hosts_;
  NetlinkProtocols nl_protos_;
  std::array<std::string, kColCount> cells_;
  std::string netns_text_;
  // The row being added: its extension text (measured, then dropped) and
  // record image, when the extension is deferred to render time.
  bool defer_ = false;
  std::string tail_text_, tail_image_;  // scratch text, the record's image
  size_t tail_len_ = 0;
  mutable SocketRecord tail_rec_;  // format_tail's scratch
};

}  // namespace sw
