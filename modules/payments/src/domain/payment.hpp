#pragma once
// A payment's rules, without I/O: its states, which moves between them are legal, and which
// charge requests are refused before the provider is asked.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace payments {

// succeeded -> refunded is the only move; failed and refunded are final.
enum class PaymentStatus { succeeded, failed, refunded };

std::string_view status_name(PaymentStatus status);
std::optional<PaymentStatus> parse_status(std::string_view text);

struct Payment {
  std::int64_t id = 0;
  std::int64_t order_id = 0;  // at most one payment per order
  std::int64_t user_id = 0;   // the order's owner, who may see the payment
  std::int64_t amount_cents = 0;
  std::string currency;
  PaymentStatus status = PaymentStatus::failed;
  std::string failure_reason;      // set when failed
  std::string provider_reference;  // the provider's charge id ("" when it was never asked)
  std::string refund_reference;    // the provider's refund id, once refunded
  std::string created_at;
  std::string updated_at;
};

inline constexpr std::string_view kDefaultCurrency = "USD";

// Why a charge of `amount_cents` in `currency` is refused without asking the provider
// ("invalid_amount", "invalid_currency"), or nullopt when the provider should be asked.
std::optional<std::string> refusal_before_charge(std::int64_t amount_cents,
                                                 std::string_view currency);

inline bool can_refund(const Payment& payment) {
  return payment.status == PaymentStatus::succeeded;
}

}  // namespace payments
