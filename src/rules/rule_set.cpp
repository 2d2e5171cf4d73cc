#include "rules/rule_set.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "rules/detectors.hpp"

namespace sw {

namespace {

constexpr std::string_view kAllowKeys[] = {
    "exe",      "comm",       "user",       "uid",         "container", "cmdline",
    "port",     "local-port", "peer-port",  "interface",   "protocol",  "netns",
    "peer-exe", "peer-comm",  "parent-exe", "parent-comm", "peer-addr",
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool parse_u32(std::string_view s, uint32_t& v) {
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A port, or LOW-HIGH.
bool parse_port_spec(std::string_view s, uint32_t& lo, uint32_t& hi) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_u32(s, lo) || lo > 65535) return false;
    hi = lo;
    return true;
  }
  return parse_u32(s.substr(0, dash), lo) && parse_u32(s.substr(dash + 1), hi) && lo <= hi &&
         hi <= 65535;
}

bool valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// `key:value key:"value with spaces"`.
Expected<std::vector<AllowCondition>> parse_allow(std::string_view s) {
  std::vector<AllowCondition> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    size_t colon = s.find(':', i);
    size_t space = i;
    while (space < s.size() && !std::isspace(static_cast<unsigned char>(s[space]))) ++space;
    if (colon == std::string_view::npos || colon > space)
      return Error{fmt::format("allow: \"{}\" is not KEY:VALUE", s.substr(i, space - i))};
    AllowCondition c;
    c.key = std::string(s.substr(i, colon - i));
    if (std::find(std::begin(kAllowKeys), std::end(kAllowKeys), c.key) == std::end(kAllowKeys))
      return Error{
          fmt::format("allow: unknown key \"{}\" (keys: {})", c.key, fmt::join(kAllowKeys, ", "))};
    i = colon + 1;
    if (i < s.size() && s[i] == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string_view::npos)
        return Error{fmt::format("allow: {}: unterminated quote", c.key)};
      c.value = std::string(s.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = i;
      while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end]))) ++end;
      c.value = std::string(s.substr(i, end - i));
      i = end;
    }
    if (c.value.empty()) return Error{fmt::format("allow: {}: empty value", c.key)};
    if (c.key == "port" || c.key == "local-port" || c.key == "peer-port" || c.key == "uid") {
      uint32_t lo = 0, hi = 0;
      if (!parse_port_spec(c.value, lo, hi) && !(c.key == "uid" && parse_u32(c.value, lo)))
        return Error{
            fmt::format("allow: {}: \"{}\" is not a number or LOW-HIGH range", c.key, c.value)};
    }
    if (c.key == "protocol") {
      uint32_t v = 0;
      if (!parse_u32(c.value, v) || v > 65535)
        return Error{fmt::format("allow: protocol: \"{}\" is not a number (0x888e)", c.value)};
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return Error{"allow: no KEY:VALUE conditions"};
  return out;
}

bool param_known(const DetectorInfo& d, const std::string& name) {
  for (auto p : d.params) {
    if (!p.empty() && p.back() == '*') {
      if (name.size() > p.size() - 1 &&
          name.compare(0, p.size() - 1, p.substr(0, p.size() - 1)) == 0)
        return true;
    } else if (p == name) {
      return true;
    }
  }
  return false;
}

struct PendingParam {
  std::string name;
  int line;
};

}  // namespace

const std::vector<std::string>& Rule::param(const std::string& name,
                                            const std::vector<std::string>& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

bool allow_value_matches(const AllowCondition& cond, std::string_view text) {
  const std::string& k = cond.key;
  if (k == "cmdline") return text.find(cond.value) != std::string_view::npos;
  if (k == "port" || k == "local-port" || k == "peer-port" || k == "uid" || k == "protocol") {
    uint32_t lo = 0, hi = 0, v = 0;
    if (!parse_u32(text, v)) return false;
    if (k == "protocol" || k == "uid") return parse_u32(cond.value, lo) && lo == v;
    return parse_port_spec(cond.value, lo, hi) && v >= lo && v <= hi;
  }
  std::string t(text);
  return fnmatch(cond.value.c_str(), t.c_str(), 0) == 0;
}

Expected<RuleSet> parse_rules(std::string_view text, std::string_view file) {
  RuleSet set;
  std::set<std::string> ids;
  Rule* cur = nullptr;
  std::set<std::string> seen_keys;
  std::vector<PendingParam> pending;
  auto fail = [&](int line, const std::string& what) -> Error {
    return Error{fmt::format("{}:{}: {}", file, line, what)};
  };
  // A section is checked when the next begins (and at the end of the file).
  auto close = [&]() -> std::optional<Error> {
    if (!cur) return std::nullopt;
    if (cur->detector.empty())
      return fail(cur->line, fmt::format("rule {} names no detector (detector = NAME)", cur->id));
    const DetectorInfo* d = find_detector(cur->detector);
    for (const auto& p : pending) {
      if (!param_known(*d, p.name))
        return fail(p.line, fmt::format("detector {} has no parameter \"{}\" (it takes: {})",
                                        cur->detector, p.name, fmt::join(d->params, ", ")));
      if (p.name == "ports" || p.name.rfind("expect-", 0) == 0) {
        if (p.name != "ports") {
          uint32_t lo = 0, hi = 0;
          if (!parse_port_spec(p.name.substr(7), lo, hi) || lo != hi)
            return fail(p.line, fmt::format("\"{}\": expect-PORT needs one port number", p.name));
        } else {
          for (const auto& w : cur->params[p.name]) {
            uint32_t lo = 0, hi = 0;
            if (!parse_port_spec(w, lo, hi))
              return fail(p.line, fmt::format("ports: \"{}\" is not a port or LOW-HIGH range", w));
          }
        }
      }
    }
    pending.clear();
    seen_keys.clear();
    cur = nullptr;
    return std::nullopt;
  };

  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (auto e = close()) return *e;
      if (line.back() != ']') return fail(line_no, "section header without a closing ']'");
      auto inner = words(line.substr(1, line.size() - 2));
      if (inner.size() != 2 || inner[0] != "rule")
        return fail(line_no, "expected a section header [rule ID]");
      if (!valid_id(inner[1]))
        return fail(line_no,
                    fmt::format("rule id \"{}\": use lower-case letters, digits, - _ .", inner[1]));
      if (!ids.insert(inner[1]).second)
        return fail(line_no, fmt::format("rule {} is defined twice in this file", inner[1]));
      set.rules.emplace_back();
      cur = &set.rules.back();
      cur->id = inner[1];
      cur->file = std::string(file);
      cur->line = line_no;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail(line_no, "expected KEY = VALUE");
    std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    if (!cur) return fail(line_no, fmt::format("\"{}\" outside a [rule ID] section", key));
    if (key.empty()) return fail(line_no, "expected KEY = VALUE (no key)");
    if (key != "allow" && !seen_keys.insert(key).second)
      return fail(line_no, fmt::format("{} is set twice in rule {}", key, cur->id));
    if (key == "detector") {
      if (!find_detector(value)) {
        std::vector<std::string_view> names;
        for (const auto& d : detectors()) names.push_back(d.name);
        return fail(line_no, fmt::format("unknown detector \"{}\" (detectors: {})", value,
                                         fmt::join(names, ", ")));
      }
      cur->detector = std::string(value);
    } else if (key == "severity") {
      auto s = parse_severity(value);
      if (!s)
        return fail(line_no,
                    fmt::format("severity \"{}\": info, low, medium, high or critical", value));
      cur->severity = *s;
    } else if (key == "technique") {
      auto sp = value.find_first_of(" \t");
      std::string_view id = value.substr(0, sp);
      bool ok = id.size() >= 5 && id[0] == 'T' && std::all_of(id.begin() + 1, id.end(), [](char c) {
                  return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
                });
      if (!ok)
        return fail(line_no, fmt::format("technique \"{}\": expected an ATT&CK id (T1040) and "
                                         "its name",
                                         id));
      cur->technique_id = std::string(id);
      cur->technique_name = sp == std::string_view::npos ? "" : std::string(trim(value.substr(sp)));
    } else if (key == "explain") {
      if (value.empty()) return fail(line_no, "explain is empty");
      cur->explain = std::string(value);
    } else if (key == "enabled") {
      if (value != "yes" && value != "no") return fail(line_no, "enabled: yes or no");
      cur->enabled = value == "yes";
    } else if (key == "allow") {
      auto a = parse_allow(value);
      if (!a) return fail(line_no, a.error().message);
      cur->allow.push_back({std::move(*a), line_no});
    } else {
      bool ok = std::all_of(key.begin(), key.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c)) || c == '-';
      });
      if (!ok) return fail(line_no, fmt::format("\"{}\" is not a parameter name", key));
      cur->params[key] = words(value);
      pending.push_back({key, line_no});
    }
  }
  if (auto e = close()) return *e;
  return set;
}

void merge_rules(RuleSet& into, RuleSet more) {
  for (auto& r : more.rules) {
    auto it = std::find_if(into.rules.begin(), into.rules.end(),
                           [&](const Rule& x) { return x.id == r.id; });
    if (it != into.rules.end())
      *it = std::move(r);
    else
      into.rules.push_back(std::move(r));
  }
}

std::string format_rules(const RuleSet& set) {
  std::string out;
  for (const auto& r : set.rules) {
    if (!out.empty()) out += '\n';
    out += fmt::format("# {}:{}\n[rule {}]\ndetector = {}\nseverity = {}\n", r.file, r.line, r.id,
                       r.detector, severity_name(r.severity));
    if (!r.technique_id.empty())
      out += fmt::format("technique = {}{}{}\n", r.technique_id,
                         r.technique_name.empty() ? "" : " ", r.technique_name);
    if (!r.explain.empty()) out += fmt::format("explain = {}\n", r.explain);
    if (!r.enabled) out += "enabled = no\n";
    for (const auto& [k, v] : r.params) out += fmt::format("{} = {}\n", k, fmt::join(v, " "));
    for (const auto& a : r.allow) {
      out += "allow =";
      for (const auto& c : a.all) {
        bool quote = c.value.find_first_of(" \t") != std::string::npos;
        out += fmt::format(" {}:{}{}{}", c.key, quote ? "\"" : "", c.value, quote ? "\"" : "");
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace sw
