// The three forms of a check result: text for a person (escaped, long
// command lines shortened), one JSON document (schema sockwatch-check/1,
// lossless: invalid UTF-8 also as "<key>_b64") and ECS NDJSON for a SIEM
// (one alert per finding, then one summary event).
#pragma once

#include <string>

#include "rules/check.hpp"

namespace sw {

inline constexpr const char kCheckSchema[] = "sockwatch-check/1";

std::string check_text(const CheckResult& r, int exit_status);
std::string check_json(const CheckResult& r, int exit_status);
std::string check_ecs(const CheckResult& r, int exit_status);

}  // namespace sw
