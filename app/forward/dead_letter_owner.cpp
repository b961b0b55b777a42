#include "forward/dead_letter_owner.hpp"

#include <mart/module_list.hpp>

#include <charconv>
#include <cstdint>

namespace mart::forward {

std::optional<std::string_view> dead_letter_module(std::string_view method, std::string_view path) {
  constexpr std::string_view kPrefix = "/api/v1/admin/dead-letters/";
  if (method != "POST" || !path.starts_with(kPrefix)) return std::nullopt;
  auto rest = path.substr(kPrefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto action = rest.substr(slash + 1);
  if (action != "replay" && action != "discard") return std::nullopt;
  auto digits = rest.substr(0, slash);
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0) return std::nullopt;
  auto code = id % kDeadLetterCodeSpace;
  if (code < 1 || code > static_cast<std::int64_t>(kModuleNames.size())) return std::nullopt;
  return kModuleNames[static_cast<std::size_t>(code - 1)];
}

}  // namespace mart::forward
