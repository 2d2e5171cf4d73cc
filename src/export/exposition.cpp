#include "export/exposition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/utf8.hpp"

namespace sw {

namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// HELP text: ours, but escaped as the formats require (0.0.4 escapes `\` and
// newline; OpenMetrics also `"`).
void append_help(std::string& out, std::string_view help, ExpositionFormat f) {
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && f == ExpositionFormat::OpenMetrics)
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

ExpositionFormat format_for_accept(std::string_view accept) {
  double om = -1, text = -1;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    size_t semi = range.find(';');
    std::string_view type = trim(range.substr(0, semi));
    double q = 1;
    while (semi != std::string_view::npos) {
      range = range.substr(semi + 1);
      semi = range.find(';');
      std::string_view param = trim(range.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string v(param.substr(2));
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (end != v.c_str() && *end == 0 && d >= 0 && d <= 1) q = d;
      }
    }
    if (type == "application/openmetrics-text")
      om = std::max(om, q);
    else if (type == "text/plain" || type == "*/*" || type == "text/*")
      text = std::max(text, q);
  }
  return om > 0 && om >= text ? ExpositionFormat::OpenMetrics : ExpositionFormat::Prometheus;
}

std::string_view content_type(ExpositionFormat f) {
  return f == ExpositionFormat::OpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

void append_label_value(std::string& out, std::string_view raw) {
  for (size_t i = 0; i < raw.size();) {
    char c = raw[i];
    if (c == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
      ++i;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
      ++i;
      continue;
    }
    char32_t cp = 0;
    size_t n = utf8_decode(raw, i, cp);
    if (n == 0) {  // one invalid byte: one replacement, go on after it
      out += kReplacement;
      ++i;
      continue;
    }
    if (is_control(cp))
      out += kReplacement;
    else
      out.append(raw.substr(i, n));
    i += n;
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 9.0e15) {
    out += fmt::format("{}", static_cast<int64_t>(v));
  } else {
    out += fmt::format("{}", v);
  }
}

std::string render_exposition(const std::vector<MetricFamily>& families, ExpositionFormat f) {
  std::string out;
  for (const auto& fam : families) {
    std::string_view family_name = fam.name;
    // OpenMetrics: the counter family is named without the _total its samples carry.
    if (f == ExpositionFormat::OpenMetrics && fam.type == MetricType::Counter &&
        family_name.ends_with("_total"))
      family_name.remove_suffix(6);
    out += "# HELP ";
    out += family_name;
    out += ' ';
    append_help(out, fam.help, f);
    out += "\n# TYPE ";
    out += family_name;
    out += fam.type == MetricType::Counter ? " counter\n" : " gauge\n";
    for (const auto& s : fam.samples) {
      out += fam.name;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i) out += ',';
          out += s.labels[i].first;
          out += "=\"";
          append_label_value(out, s.labels[i].second);
          out += '"';
        }
        out += '}';
      }
      out += ' ';
      append_value(out, s.value);
      out += '\n';
    }
  }
  if (f == ExpositionFormat::OpenMetrics) out += "# EOF\n";
  return out;
}

}  // namespace sw
