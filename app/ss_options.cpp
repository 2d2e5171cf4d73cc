#include "ss_options.hpp"

#include <getopt.h>
#include <strings.h>
#include <sys/socket.h>

#include <cstring>

#include "core/tables.hpp"
#include "subcommands.hpp"
#include "usage_text.hpp"

namespace sw {

namespace {

enum LongOnly {
  kOptTipc = 256,
  kOptVsock,
  kOptXdp,
  kOptTipcInfo,
  kOptTos,
  kOptCgroup,
  kOptInetSockopt,
  kOptReplay,
  kOptRecord,
  kOptNdjson,
  kOptAllNetns,
};

// ss 6.1's option string and long options, plus sockwatch's own long options.
constexpr const char kShortOpts[] = "dhaletuwxnro460spTbEf:mMiA:D:F:vVzZN:KHSOj";

const option kLongOpts[] = {{"numeric", 0, nullptr, 'n'},
                            {"resolve", 0, nullptr, 'r'},
                            {"options", 0, nullptr, 'o'},
                            {"extended", 0, nullptr, 'e'},
                            {"memory", 0, nullptr, 'm'},
                            {"info", 0, nullptr, 'i'},
                            {"processes", 0, nullptr, 'p'},
                            {"threads", 0, nullptr, 'T'},
                            {"bpf", 0, nullptr, 'b'},
                            {"events", 0, nullptr, 'E'},
                            {"dccp", 0, nullptr, 'd'},
                            {"tcp", 0, nullptr, 't'},
                            {"sctp", 0, nullptr, 'S'},
                            {"udp", 0, nullptr, 'u'},
                            {"raw", 0, nullptr, 'w'},
                            {"unix", 0, nullptr, 'x'},
                            {"tipc", 0, nullptr, kOptTipc},
                            {"vsock", 0, nullptr, kOptVsock},
                            {"all", 0, nullptr, 'a'},
                            {"listening", 0, nullptr, 'l'},
                            {"ipv4", 0, nullptr, '4'},
                            {"ipv6", 0, nullptr, '6'},
                            {"packet", 0, nullptr, '0'},
                            {"family", 1, nullptr, 'f'},
                            {"socket", 1, nullptr, 'A'},
                            {"query", 1, nullptr, 'A'},
                            {"summary", 0, nullptr, 's'},
                            {"diag", 1, nullptr, 'D'},
                            {"filter", 1, nullptr, 'F'},
                            {"version", 0, nullptr, 'V'},
                            {"help", 0, nullptr, 'h'},
                            {"context", 0, nullptr, 'Z'},
                            {"contexts", 0, nullptr, 'z'},
                            {"net", 1, nullptr, 'N'},
                            {"tipcinfo", 0, nullptr, kOptTipcInfo},
                            {"tos", 0, nullptr, kOptTos},
                            {"cgroup", 0, nullptr, kOptCgroup},
                            {"kill", 0, nullptr, 'K'},
                            {"no-header", 0, nullptr, 'H'},
                            {"xdp", 0, nullptr, kOptXdp},
                            {"mptcp", 0, nullptr, 'M'},
                            {"oneline", 0, nullptr, 'O'},
                            {"inet-sockopt", 0, nullptr, kOptInetSockopt},
                            {"json", 0, nullptr, 'j'},
                            {"ndjson", 0, nullptr, kOptNdjson},
                            {"all-netns", 0, nullptr, kOptAllNetns},
                            {"replay", 1, nullptr, kOptReplay},
                            {"record", 1, nullptr, kOptRecord},
                            {nullptr, 0, nullptr, 0}};

constexpr uint64_t fam_bit(int af) { return uint64_t{1} << af; }

struct Builder {
  SsOptions o;
  uint32_t state_filter = 0;

  void db_set(Table t, bool enable) {
    if (enable) {
      o.states |= table_default_states(t);
      o.dbs |= table_bit(t);
    } else {
      o.dbs &= ~table_bit(t);
    }
    o.do_default = false;
  }
  void af_set(int af) {
    o.states |= family_default_states(af);
    o.families |= fam_bit(af);
    o.do_default = false;
    o.preferred_family = af;
  }
  // ss's filter_db_parse: one -A word; false when unknown.
  bool db_parse(std::string_view s) {
    bool enable = true;
    if (!s.empty() && s[0] == '!') {
      enable = false;
      s.remove_prefix(1);
    }
    using T = Table;
    struct Entry {
      std::string_view name;
      std::initializer_list<T> tables;
    };
    static const Entry kTable[] = {
        {"all",
         {T::Udp, T::Dccp, T::Tcp, T::Mptcp, T::Raw, T::UnixStream, T::UnixDgram, T::UnixSeq,
          T::PacketRaw, T::PacketDgram, T::Netlink, T::Sctp, T::VsockStream, T::VsockDgram,
          T::Xdp}},
        {"inet", {T::Udp, T::Dccp, T::Tcp, T::Mptcp, T::Sctp, T::Raw}},
        {"udp", {T::Udp}},
        {"dccp", {T::Dccp}},
        {"tcp", {T::Tcp}},
        {"mptcp", {T::Mptcp}},
        {"sctp", {T::Sctp}},
        {"raw", {T::Raw}},
        {"unix", {T::UnixStream, T::UnixDgram, T::UnixSeq}},
        {"unix_stream", {T::UnixStream}},
        {"u_str", {T::UnixStream}},
        {"unix_dgram", {T::UnixDgram}},
        {"u_dgr", {T::UnixDgram}},
        {"unix_seqpacket", {T::UnixSeq}},
        {"u_seq", {T::UnixSeq}},
        {"packet", {T::PacketRaw, T::PacketDgram}},
        {"packet_raw", {T::PacketRaw}},
        {"p_raw", {T::PacketRaw}},
        {"packet_dgram", {T::PacketDgram}},
        {"p_dgr", {T::PacketDgram}},
        {"netlink", {T::Netlink}},
        {"tipc", {T::Tipc}},
        {"vsock", {T::VsockStream, T::VsockDgram}},
        {"vsock_stream", {T::VsockStream}},
        {"v_str", {T::VsockStream}},
        {"vsock_dgram", {T::VsockDgram}},
        {"v_dgr", {T::VsockDgram}},
        {"xdp", {T::Xdp}},
    };
    for (const auto& e : kTable) {
      if (e.name != s) continue;
      for (T t : e.tables) db_set(t, enable);
      return true;
    }
    return false;
  }
  void merge_defaults() {
    for (int t = 0; t < static_cast<int>(Table::Count); ++t) {
      if (!(o.dbs & (1u << t))) continue;
      uint64_t f = table_default_families(static_cast<Table>(t));
      if (!(f & o.families)) o.families |= f;
    }
    for (int af = 0; af < 64; ++af) {
      if (!(o.families & fam_bit(af))) continue;
      uint32_t d = family_default_tables(af);
      if (!(d & o.dbs)) o.dbs |= d;
    }
  }
};

ParseOutcome usage_error() {
  ParseOutcome r;
  r.exit_code = 255;
  r.err = kUsageText;
  return r;
}

ParseOutcome help() {
  ParseOutcome r;
  r.exit_code = 0;
  r.out = kUsageText;
  return r;
}

// --replay reads sockets that are not live, and --record writes the live
// dumps: an option that acts on live sockets, reads live state or writes
// something else would quietly do the wrong thing, so it is refused (with
// ss's usage status). TCPDIAG_FILE, ss's own replay, keeps ss's behaviour.
const char* clash_with_recordings(const SsOptions& o) {
  if (!o.replay_file.empty()) {
    if (o.kill)
      return "--replay cannot be combined with -K: a replayed socket is not live, and -K "
             "would destroy whatever live socket has the same addresses now";
    // -p is answered from an evidence recording's processes (checked when
    // the file is opened); threads and SELinux contexts are in none.
    if (o.render.show_threads || o.proc_ctx)
      return "--replay cannot be combined with -T, -Z or -z: a recording holds no threads or "
             "security contexts, and today's /proc would name whatever process holds the same "
             "inode number now";
    if (!o.dump_file.empty())
      return "--replay cannot be combined with -D: -D dumps the live kernel, not the recording";
    if (o.events) return "--replay cannot be combined with -E: -E follows live kernel events";
    if (o.summary)
      return "--replay cannot be combined with -s: the summary counts the live kernel's "
             "sockets, not the recording's";
    if (!o.record_file.empty())
      return "--replay cannot be combined with --record: --record writes what the kernel "
             "answers, and a replay asks no kernel";
  }
  if (!o.record_file.empty()) {
    if (!o.dump_file.empty())
      return "--record cannot be combined with -D: -D writes ss's raw TCP dump and exits; use "
             "one or the other";
    if (o.events)
      return "--record cannot be combined with -E: -E follows events and dumps no table to "
             "record";
    if (o.summary && o.do_default && !o.any_words)
      return "--record needs a socket listing: -s alone reads /proc counters and dumps no "
             "table (add a table option, e.g. -s -ta)";
  }
  return nullptr;
}

}  // namespace

ParseOutcome parse_ss_command_line(int argc, char** argv) {
  Builder b;
  bool saw_query = false;
  // getopt prints its own diagnostics with argv[0]; ss's read "ss: ...".
  std::vector<char*> args(argv, argv + argc);
  static char kSs[] = "ss";
  args[0] = kSs;
  args.push_back(nullptr);
  optind = 0;  // 0, not 1: glibc then also resets its internal scan state
  opterr = 1;
  int ch;
  while ((ch = getopt_long(argc, args.data(), kShortOpts, kLongOpts, nullptr)) != -1) {
    switch (ch) {
      case 'n':
        b.o.render.numeric = true;
        break;
      case 'r':
        b.o.render.resolve = true;
        break;
      case 'd':
        b.db_set(Table::Dccp, true);
        break;
      case 't':
        b.db_set(Table::Tcp, true);
        break;
      case 'M':
        b.db_set(Table::Mptcp, true);
        break;
      case 'S':
        b.db_set(Table::Sctp, true);
        break;
      case 'u':
        b.db_set(Table::Udp, true);
        break;
      case 'w':
        b.db_set(Table::Raw, true);
        break;
      case 'x':
        b.af_set(AF_UNIX);
        break;
      case kOptTipc:
        b.af_set(AF_TIPC);
        break;
      case kOptVsock:
        b.af_set(AF_VSOCK);
        break;
      case kOptXdp:
        b.af_set(AF_XDP);
        break;
      case 'a':
        b.state_filter = kAllStates;
        break;
      case 'l':
        b.state_filter = state_bit(kListen) | state_bit(kClose);
        break;
      case '4':
        b.af_set(AF_INET);
        break;
      case '6':
        b.af_set(AF_INET6);
        break;
      case '0':
        b.af_set(AF_PACKET);
        break;
      case 'f': {
        std::string_view f = optarg;
        if (f == "inet")
          b.af_set(AF_INET);
        else if (f == "inet6")
          b.af_set(AF_INET6);
        else if (f == "link")
          b.af_set(AF_PACKET);
        else if (f == "unix")
          b.af_set(AF_UNIX);
        else if (f == "netlink")
          b.af_set(AF_NETLINK);
        else if (f == "tipc")
          b.af_set(AF_TIPC);
        else if (f == "vsock")
          b.af_set(AF_VSOCK);
        else if (f == "xdp")
          b.af_set(AF_XDP);
        else if (f == "help")
          return help();
        else {
          auto r = usage_error();
          r.err = "ss: \"" + std::string(f) + "\" is invalid family\n" + r.err;
          return r;
        }
        break;
      }
      case 'A': {
        if (!saw_query) {
          b.o.dbs = 0;
          b.state_filter = b.state_filter ? b.state_filter : kConnStates;
          saw_query = true;
          b.o.do_default = false;
        }
        std::string q = optarg;
        size_t start = 0;
        for (;;) {
          size_t comma = q.find(',', start);
          std::string word = q.substr(start, comma == std::string::npos ? comma : comma - start);
          if (!b.db_parse(word)) {
            auto r = usage_error();
            r.err = "ss: \"" + word + "\" is illegal socket table id\n" + r.err;
            return r;
          }
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        break;
      }
      case 's':
        b.o.summary = true;
        break;
      case 'D':
        b.o.dump_file = optarg;
        break;
      case 'F':
        if (!b.o.filter_file.empty()) {
          ParseOutcome r;
          r.exit_code = 255;
          r.err = "More than one filter file\n";
          return r;
        }
        b.o.filter_file = optarg;
        break;
      case 'o':
        b.o.render.show_options = true;
        break;
      case 'e':
        b.o.render.show_options = true;
        b.o.render.show_details = true;
        break;
      case 'm':
        b.o.render.show_mem = true;
        break;
      case 'i':
        b.o.render.show_tcpinfo = true;
        break;
      case 'p':
        b.o.render.show_users = true;
        break;
      case 'T':
        b.o.render.show_users = true;
        b.o.render.show_threads = true;
        break;
      case 'b':
        b.o.render.show_options = true;
        b.o.show_bpf = true;
        break;
      case 'E':
        b.o.events = true;
        break;
      case 'K':
        b.o.kill = true;
        break;
      case 'H':
        b.o.render.show_header = false;
        break;
      case 'O':
        b.o.render.oneline = true;
        break;
      case 'Z':
        b.o.proc_ctx = true;
        b.o.render.show_users = true;
        break;
      case 'z':
        b.o.proc_ctx = true;
        b.o.sock_ctx = true;
        b.o.render.show_users = true;
        break;
      case 'N':
        b.o.netns = optarg;
        b.o.netns_given = true;
        break;
      case kOptTipcInfo:
        b.o.tipcinfo = true;
        b.o.render.show_tipcinfo = true;
        break;
      case kOptTos:
        b.o.render.show_tos = true;
        break;
      case kOptCgroup:
        b.o.render.show_cgroup = true;
        break;
      case kOptInetSockopt:
        b.o.render.show_inet_sockopt = true;
        break;
      case 'j':
        b.o.json = true;
        break;
      case kOptNdjson:
        b.o.json = true;
        b.o.ndjson = true;
        break;
      case kOptAllNetns:
        b.o.all_netns = true;
        break;
      case kOptReplay:
        b.o.replay_file = optarg;
        break;
      case kOptRecord:
        b.o.record_file = optarg;
        break;
      case 'v':
      case 'V': {
        ParseOutcome r;
        r.out = "ss utility, iproute2-6.1.0 (sockwatch " SOCKWATCH_VERSION ")\n";
        return r;
      }
      case 'h': {
        auto r = help();  // -f help stays exactly ss's text
        r.out += help_appendix();
        return r;
      }
      default:
        return usage_error();
    }
  }

  // `state X` / `exclude X` words come before the expression.
  bool saw_states = false;
  int i = optind;
  b.o.any_words = optind < argc;
  // getopt_long permutes `args` (GNU order: options may follow operands).
  while (i < argc) {
    std::string_view w = args[static_cast<size_t>(i)];
    bool is_state = w == "state";
    bool is_excl = w == "exclude" || w == "excl";
    if (!is_state && !is_excl) break;
    if (i + 1 >= argc) {
      ParseOutcome r;
      r.exit_code = 255;
      r.err = "Command line is not complete. Try option \"help\"\n";
      return r;
    }
    const char* name = args[static_cast<size_t>(i) + 1];
    int64_t bits = scan_state(name);
    if (bits < 0) {
      ParseOutcome r;
      r.exit_code = 255;
      r.err = std::string("ss: wrong state name: ") + name + "\n";
      return r;
    }
    if (is_state) {
      if (!saw_states) b.state_filter = 0;
      b.state_filter |= static_cast<uint32_t>(bits);
    } else {
      if (!saw_states) b.state_filter = kAllStates;
      b.state_filter &= ~static_cast<uint32_t>(bits);
    }
    saw_states = true;
    i += 2;
  }
  for (; i < argc; ++i) b.o.filter_words.emplace_back(args[static_cast<size_t>(i)]);

  if (b.o.do_default) {
    b.state_filter = b.state_filter ? b.state_filter : kConnStates;
    b.db_parse("all");
    b.o.do_default = true;  // db_parse cleared it; ss keeps its own flag for -s
  }
  if (b.state_filter) b.o.states = b.state_filter;
  b.merge_defaults();
  if (b.o.all_netns) {
    // Each of these names one namespace or one stream of raw bytes.
    const char* clash = b.o.netns_given            ? "-N"
                        : !b.o.dump_file.empty()   ? "-D"
                        : !b.o.replay_file.empty() ? "--replay"
                        : !b.o.record_file.empty() ? "--record"
                                                   : nullptr;
    if (clash) {
      ParseOutcome r;
      r.exit_code = 255;
      r.err = std::string("sockwatch: --all-netns cannot be combined with ") + clash + "\n";
      return r;
    }
  }
  if (const char* why = clash_with_recordings(b.o)) {
    ParseOutcome r;
    r.exit_code = 255;
    r.err = std::string("sockwatch: ") + why + "\n";
    return r;
  }
  ParseOutcome r;
  r.options = std::move(b.o);
  return r;
}

std::vector<std::string> ss_option_spellings() {
  std::vector<std::string> out;
  for (const char* c = kShortOpts; *c; ++c)
    if (*c != ':') out.push_back(std::string("-") + *c);
  for (const option* o = kLongOpts; o->name; ++o) out.push_back(std::string("--") + o->name);
  return out;
}

int first_operand_index(int argc, char** argv) {
  // The same getopt_long scan as parse_ss_command_line, silently: its
  // permutation leaves the operands, in order, from optind on.
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  optind = 0;
  opterr = 0;
  while (getopt_long(argc, args.data(), kShortOpts, kLongOpts, nullptr) != -1) {
  }
  int first = optind < argc ? optind : -1;
  optind = 0;
  opterr = 1;
  if (first < 0) return -1;
  for (int i = 1; i < argc; ++i)
    if (argv[i] == args[static_cast<size_t>(first)]) return i;
  return -1;
}

}  // namespace sw
