#pragma once
// Which module a dead letter belongs to, so that a replay or a discard goes to the process that
// hosts it: the bus numbers dead letters deployment-wide as local id * 16 + the module's code
// (mart::module_code), see eventbus/src/bus_impl.hpp.

#include <optional>
#include <string_view>

namespace mart::forward {

// The bus's code space: id % kDeadLetterCodeSpace is the module's code.
inline constexpr long long kDeadLetterCodeSpace = 16;

// For POST /api/v1/admin/dead-letters/{id}/replay and .../discard with a positive integer id:
// the module whose code id % 16 is; nothing for any other request, or a code no module has.
std::optional<std::string_view> dead_letter_module(std::string_view method, std::string_view path);

}  // namespace mart::forward
