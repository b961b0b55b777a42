#include "domain/order.hpp"

#include <array>
#include <utility>

namespace orders {
namespace {

constexpr std::array<std::pair<Status, std::string_view>, 5> kNames = {{
    {Status::pending, "pending"},
    {Status::reserved, "reserved"},
    {Status::confirmed, "confirmed"},
    {Status::shipped, "shipped"},
    {Status::cancelled, "cancelled"},
}};

}  // namespace

std::string_view status_name(Status status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "pending";
}

std::optional<Status> parse_status(std::string_view text) {
  for (const auto& [s, name] : kNames) {
    if (name == text) return s;
  }
  return std::nullopt;
}

bool can_cancel(Status status) {
  return status == Status::pending || status == Status::reserved || status == Status::confirmed;
}

}  // namespace orders
