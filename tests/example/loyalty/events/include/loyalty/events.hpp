#pragma once
// Loyalty's published language (topic LoyaltyEvents), keyed by user id. Other modules may include
// this header and nothing else of loyalty. (docs/extending.md, step 2: an event.)

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace loyalty::events {

inline constexpr std::string_view kTopic = "LoyaltyEvents";

// A customer earned points for a confirmed order.
struct PointsAwarded {
  static constexpr std::string_view kType = "loyalty.points_awarded.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t user_id = 0;
  std::int64_t order_id = 0;
  std::int64_t points = 0;
  std::string key() const { return std::to_string(user_id); }
};
BOOST_DESCRIBE_STRUCT(PointsAwarded, (), (user_id, order_id, points))

}  // namespace loyalty::events
