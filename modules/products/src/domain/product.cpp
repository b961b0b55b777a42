#include "domain/product.hpp"

#include <kernel/text.hpp>

#include <algorithm>
#include <cctype>

namespace products {
namespace {

bool valid_currency(const std::string& code) {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool valid_sku(const std::string& sku) {
  return !sku.empty() && sku.size() <= 64 && std::all_of(sku.begin(), sku.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

void validate(ProductChanges& changes, kernel::FieldErrors& errors) {
  if (changes.name) {
    changes.name = kernel::trim(*changes.name);
    if (changes.name->empty()) errors["name"] = "must not be empty";
    if (kernel::utf8_length(*changes.name) > kMaxNameLength)
      errors["name"] = "must be at most 200 characters";
  }
  if (changes.description && kernel::utf8_length(*changes.description) > kMaxDescriptionLength) {
    errors["description"] = "must be at most 10000 characters";
  }
  if (changes.price_cents && (*changes.price_cents < 0 || *changes.price_cents > kMaxPriceCents)) {
    errors["price_cents"] = *changes.price_cents < 0 ? "must not be negative" : "is too large";
  }
  if (changes.currency && !valid_currency(*changes.currency)) {
    errors["currency"] = "must be an ISO 4217 code of three upper-case letters";
  }
  if (changes.sku && *changes.sku && !valid_sku(**changes.sku)) {
    errors["sku"] = "must be 1 to 64 letters, digits, '-', '_' or '.'";
  }
}

void apply(const ProductChanges& changes, Product& product) {
  if (changes.name) product.name = *changes.name;
  if (changes.description) product.description = *changes.description;
  if (changes.price_cents) product.price_cents = *changes.price_cents;
  if (changes.currency) product.currency = *changes.currency;
  if (changes.sku) product.sku = *changes.sku;
}

}  // namespace products
