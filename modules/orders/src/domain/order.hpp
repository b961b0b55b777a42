#pragma once
// An order and its status machine, without I/O. Status only moves forward:
// pending -> reserved -> confirmed -> shipped, and pending|reserved|confirmed -> cancelled.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orders {

enum class Status { pending, reserved, confirmed, shipped, cancelled };

std::string_view status_name(Status status);
std::optional<Status> parse_status(std::string_view text);

struct Line {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  std::int64_t unit_price_cents = 0;
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  Status status = Status::pending;
  std::optional<std::string> cancel_reason;
  std::vector<Line> lines;
  std::int64_t total_cents = 0;
  std::string currency;
  std::string shipping_address;  // as given when placed; "" when not given
  // The card token as Orders keeps it: sealed (kernel/sealed_text.hpp) while the order is
  // pending, "" once it is not (a pending order placed by a build before migration 0003 may
  // still hold it in the clear).
  std::string payment_token;
  std::string created_at;
  std::string updated_at;
};

inline constexpr std::size_t kMaxLines = 100;
inline constexpr std::int64_t kMaxQuantity = 10'000;
inline constexpr std::size_t kMaxShippingAddress = 1000;  // characters, as a user's address

// Whether a customer or admin may cancel from this status.
bool can_cancel(Status status);

}  // namespace orders
