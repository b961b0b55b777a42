#pragma once
// The catalogue's rules, without I/O: what a valid product is.

#include <kernel/problem.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace products {

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
  std::string currency = "USD";
  std::optional<std::string> sku;
  bool in_stock = false;
  std::string created_at;
  std::string updated_at;
};

// A partial change; absent fields stay as they are. `sku` holds nullopt-in-optional to clear it.
struct ProductChanges {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::int64_t> price_cents;
  std::optional<std::string> currency;
  std::optional<std::optional<std::string>> sku;
};

inline constexpr std::size_t kMaxNameLength = 200;
inline constexpr std::size_t kMaxDescriptionLength = 10'000;
inline constexpr std::int64_t kMaxPriceCents = 1'000'000'000'000;  // ten billion in major units

// Adds a message per invalid field of `changes` to `errors`, and normalises (trims the name).
void validate(ProductChanges& changes, kernel::FieldErrors& errors);
// Applies validated changes to a product.
void apply(const ProductChanges& changes, Product& product);

}  // namespace products
