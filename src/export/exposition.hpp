// Exposition: a set of metric families and their text rendering in the
// Prometheus text format 0.0.4 or OpenMetrics 1.0 (chosen from an HTTP
// Accept header). Owns escaping: label values are untrusted bytes (process
// names, namespace names) and always come out as valid exposition — `\`,
// `"` and newline escaped, every byte that is not strictly valid UTF-8 and
// every other control character replaced by U+FFFD (the formats have no
// byte escape; a label is for grouping, the exact bytes are in `log`).
// Metric and label names are the caller's constants, not escaped. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw {

enum class MetricType : uint8_t { Gauge, Counter };

// Label name -> raw value, in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // a counter's name ends in _total (the sample name)
  std::string help;
  MetricType type = MetricType::Gauge;
  std::vector<Sample> samples;  // unique label sets (the builders aggregate)
};

enum class ExpositionFormat : uint8_t { Prometheus, OpenMetrics };

// OpenMetrics when the Accept header asks for application/openmetrics-text
// with a q at least that of text/plain (or */*), else the 0.0.4 text format.
ExpositionFormat format_for_accept(std::string_view accept);
// The Content-Type header value of a format.
std::string_view content_type(ExpositionFormat f);

// A label value as it goes between the quotes (see the top comment).
void append_label_value(std::string& out, std::string_view raw);
// A sample value: integers without exponent, NaN, +Inf, -Inf, else the
// shortest round-trip form.
void append_value(std::string& out, double v);

// Every family with HELP and TYPE lines, in the given order; OpenMetrics
// names a counter family without `_total` and ends with `# EOF`.
std::string render_exposition(const std::vector<MetricFamily>& families, ExpositionFormat f);

}  // namespace sw
