#include "tui/top_json.hpp"

#include <algorithm>

#include "render/event_json.hpp"
#include "render/json_rows.hpp"
#include "render/json_writer.hpp"
#include "tui/top_format.hpp"

namespace sw::tui {

namespace {

const char* mark_name(Mark m) {
  switch (m) {
    case Mark::New:
      return "new";
    case Mark::Changed:
      return "changed";
    case Mark::Closed:
      return "closed";
    default:
      return "none";
  }
}

void endpoint(JsonWriter& w, const char* k, const IpAddr& a, uint16_t port) {
  w.key(k);
  w.begin_object();
  w.field("address",
          addr_text(a) == "*" ? std::string(a.family == 10 ? "::" : "0.0.0.0") : addr_text(a));
  w.field("port", static_cast<uint32_t>(port));
  w.end_object();
}

void rate(JsonWriter& w, const char* k, float v) {
  w.key(k);
  if (v < 0)
    w.null();
  else
    w.value(static_cast<double>(v));
}

void socket_object(JsonWriter& w, const TopModel& m, const RowRef& r) {
  RowData d = row_data(m, r);
  const SnapEntry& e = *d.e;
  const RowState& st = *d.st;
  w.begin_object();
  w.field("netid", table_netid(e.table));
  w.field("family", family_name(e.family));
  w.field("state", json_state_name(e.state));
  w.field("recv_q", e.rqueue);
  w.field("send_q", e.wqueue);
  w.field("inode", e.inode);
  w.field("cookie", e.key.cookie);
  w.field("netns_inode", e.key.netns);
  if (e.is_inet()) {
    endpoint(w, "local", e.local, e.lport);
    endpoint(w, "peer", e.peer, e.rport);
  } else if (e.unix_path) {
    w.text("path", *e.unix_path);
  }
  w.key("owners");
  if (const OwnerInfo* o = st.owner.get()) {
    w.begin_array();
    w.begin_object();
    w.text("comm", o->comm);
    w.field("pid", o->pid);
    w.text("exe", o->exe);
    w.field("exe_deleted", o->exe_deleted);
    w.key("uid");
    if (o->uid)
      w.value(*o->uid);
    else
      w.null();
    w.text("user", o->user);
    w.text("container", o->container);
    w.end_object();
    w.end_array();
  } else {
    w.null();
  }
  w.key("top");
  w.begin_object();
  rate(w, "rx_bps", st.rx_bps);
  rate(w, "tx_bps", st.tx_bps);
  w.key("rx_bytes");
  if (e.has_counters)
    w.value(e.counters.bytes_received);
  else
    w.null();
  w.key("tx_bytes");
  if (e.has_counters)
    w.value(e.counters.bytes_acked);
  else
    w.null();
  w.field("rtt_us", e.rtt_us);
  w.field("retrans", e.has_counters ? e.counters.retrans : 0u);
  int64_t end = d.closed ? d.closed->closed_us : m.shown().at_us;
  w.field("age_s",
          st.opened_us ? static_cast<double>(std::max<int64_t>(0, end - st.opened_us)) / 1e6 : 0.0);
  w.field("mark", mark_name(st.mark));
  w.field("closed", d.closed != nullptr);
  w.field("short_lived", d.closed ? d.closed->short_lived : false);
  w.field("flagged", r.flagged);
  if (!st.owner && st.owner_reason) w.field("owner_reason", st.owner_reason);
  w.end_object();
  w.end_object();
}

void group_object(JsonWriter& w, const GroupRow& g, ViewKind v) {
  w.begin_object();
  w.text("key", g.key);
  if (v == ViewKind::Processes) {
    w.field("pid", g.pid);
    w.text("comm", g.label);
    w.text("user", g.user);
    w.text("container", g.container);
  } else {
    w.text("address", g.label);
  }
  w.field("sockets", g.sockets);
  w.key("states");
  w.begin_object();
  for (int s = 1; s < kStateMax; ++s)
    if (g.by_state[s]) w.field(json_state_name(s), g.by_state[s]);
  w.end_object();
  w.field("rx_bps", g.rx_bps);
  w.field("tx_bps", g.tx_bps);
  w.field("rx_bytes", g.rx_bytes);
  w.field("tx_bytes", g.tx_bytes);
  w.field("flagged", g.flagged);
  w.end_object();
}

void rows(JsonWriter& w, const TopApp& app, const char* key) {
  const TopView& v = app.view();
  w.key(v.grouped() ? "groups" : key);
  w.begin_array();
  if (v.grouped())
    for (const GroupRow& g : v.groups()) group_object(w, g, app.view_options().kind);
  else
    for (const RowRef& r : v.rows()) socket_object(w, app.model(), r);
  w.end_array();
}

}  // namespace

std::string frame_json(const TopApp& app, int64_t now_us) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("schema", "sockwatch-top/1");
  w.field("time", rfc3339_us(now_us));
  w.field("view", view_name(app.view_options().kind));
  w.field("paused", app.model().paused());
  Totals t = app.model().totals();
  w.key("totals");
  w.begin_object();
  w.field("sockets", t.sockets);
  w.key("states");
  w.begin_object();
  for (int s = 1; s < kStateMax; ++s)
    if (t.by_state[s]) w.field(json_state_name(s), t.by_state[s]);
  w.end_object();
  w.field("rx_bps", t.rx_bps);
  w.field("tx_bps", t.tx_bps);
  w.field("closed", t.closed_recently);
  w.field("short_lived", t.short_lived);
  w.end_object();
  rows(w, app, "rows");
  w.end_object();
  return out;
}

std::string export_json(const TopApp& app, int64_t now_us) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("schema", kJsonSchema);
  w.field("exported_by", "sockwatch top");
  w.field("time", rfc3339_us(now_us));
  w.field("view", view_name(app.view_options().kind));
  rows(w, app, "sockets");
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace sw::tui
