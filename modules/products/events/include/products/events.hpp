#pragma once
// Products' published language (topic ProductEvents). Other modules may include this header and
// nothing else of products. Each event carries the whole product so consumers keep their own copy
// without asking back.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace products::events {

inline constexpr std::string_view kTopic = "ProductEvents";

struct ProductCreated {
  static constexpr std::string_view kType = "products.product_created.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t product_id = 0;
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
  std::string currency;
  std::string sku;
  std::string key() const { return std::to_string(product_id); }
};
BOOST_DESCRIBE_STRUCT(ProductCreated, (),
                      (product_id, name, description, price_cents, currency, sku))

struct ProductUpdated {
  static constexpr std::string_view kType = "products.product_updated.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t product_id = 0;
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
  std::string currency;
  std::string sku;
  std::string key() const { return std::to_string(product_id); }
};
BOOST_DESCRIBE_STRUCT(ProductUpdated, (),
                      (product_id, name, description, price_cents, currency, sku))

struct ProductDeleted {
  static constexpr std::string_view kType = "products.product_deleted.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t product_id = 0;
  std::string key() const { return std::to_string(product_id); }
};
BOOST_DESCRIBE_STRUCT(ProductDeleted, (), (product_id))

}  // namespace products::events
