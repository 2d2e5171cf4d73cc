// Filter errors as the terminal sees them: ss's message (escaped), the usage
// text for a syntax error, then our explanation and the expression with a
// caret under the bad token. Filter text may come from a file anyone wrote:
// control bytes are escaped, and a long expression is cut to a window around
// the error.
#pragma once

#include <string>
#include <string_view>

#include "filter/filter.hpp"

namespace sw {

// Control bytes as \ooo escapes; `keep_newlines` for multi-line messages.
std::string escape_for_terminal(std::string_view s, bool keep_newlines = false);

// The two lines under "sockwatch: filter: ...": at most ~60 characters each
// side of the token, "..." where cut, the caret under the escaped token.
std::string caret_lines(const std::string& expr, size_t at, size_t len);

// Everything printed for `e` (`usage`: printed after ss's line when ss would).
std::string format_filter_error(const FilterError& e, const char* usage);

}  // namespace sw
