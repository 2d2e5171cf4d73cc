// PLACEHOLDER until the store branch lands (it owns this file).
#pragma once
#include <string>
namespace sw {
std::string default_db_path();
}
