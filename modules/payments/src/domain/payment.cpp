#include "domain/payment.hpp"

#include <algorithm>

namespace payments {

std::string_view status_name(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::succeeded:
      return "succeeded";
    case PaymentStatus::failed:
      return "failed";
    case PaymentStatus::refunded:
      return "refunded";
  }
  return "failed";
}

std::optional<PaymentStatus> parse_status(std::string_view text) {
  if (text == "succeeded") return PaymentStatus::succeeded;
  if (text == "failed") return PaymentStatus::failed;
  if (text == "refunded") return PaymentStatus::refunded;
  return std::nullopt;
}

std::optional<std::string> refusal_before_charge(std::int64_t amount_cents,
                                                 std::string_view currency) {
  if (amount_cents < 0) return "invalid_amount";
  bool iso_code = currency.size() == 3 && std::all_of(currency.begin(), currency.end(),
                                                      [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!iso_code) return "invalid_currency";
  return std::nullopt;
}

}  // namespace payments
