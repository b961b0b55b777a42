#include "domain/product.hpp"

#include <algorithm>
#include <cctype>

namespace products {
namespace {

std::string trim(const std::string& text) {
  auto begin =
      std::find_if_not(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
  auto end = std::find_if_not(text.rbegin(), text.rend(), [](unsigned char c) {
               return std::isspace(c);
             }).base();
  return begin < end ? std::string(begin, end) : std::string();
}

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
    changes.name = trim(*changes.name);
    if (changes.name->empty()) errors["name"] = "must not be empty";
    if (changes.name->size() > kMaxNameLength) errors["name"] = "must be at most 200 characters";
  }
  if (changes.description && changes.description->size() > kMaxDescriptionLength) {
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
