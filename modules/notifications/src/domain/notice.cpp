#include "domain/notice.hpp"

#include <array>

namespace notifications {
namespace {

// ISO 4217 currencies whose minor unit is not the usual hundredth.
struct Exponent {
  std::string_view code;
  int digits;
};
constexpr std::array<Exponent, 17> kExponents{{{"BIF", 0},
                                               {"CLP", 0},
                                               {"DJF", 0},
                                               {"GNF", 0},
                                               {"ISK", 0},
                                               {"JPY", 0},
                                               {"KMF", 0},
                                               {"KRW", 0},
                                               {"PYG", 0},
                                               {"RWF", 0},
                                               {"UGX", 0},
                                               {"VND", 0},
                                               {"BHD", 3},
                                               {"JOD", 3},
                                               {"KWD", 3},
                                               {"OMR", 3},
                                               {"TND", 3}}};

int decimals_of(std::string_view currency) {
  for (const auto& e : kExponents) {
    if (e.code == currency) return e.digits;
  }
  return 2;
}

std::string order_ref(std::int64_t order_id) {
  return "order #" + std::to_string(order_id);
}

// The fact's identity: its type and the id of what it happened to, or the envelope's id when the
// event does not say (a malformed event must still not be told twice on redelivery).
std::string fact_id(std::string_view type, std::string_view kind, std::int64_t id,
                    std::string_view envelope_id) {
  std::string out(type);
  if (id > 0) return out + "/" + std::string(kind) + "/" + std::to_string(id);
  return out + "/event/" + std::string(envelope_id);
}

std::string cancel_phrase(std::string_view reason) {
  if (reason == "out_of_stock") return "some items are out of stock";
  if (reason == "payment_declined") return "the payment was declined";
  if (reason == "customer_request") return "it was cancelled on request";
  return "";
}

template <class E>
Notice order_notice(const E& event, std::string_view envelope_id, std::string message) {
  return {event.user_id, fact_id(E::kType, "order", event.order_id, envelope_id),
          std::string(E::kType), event.order_id, std::move(message)};
}

template <class E>
Notice payment_notice(const E& event, std::string_view envelope_id, std::string message) {
  return {event.user_id, fact_id(E::kType, "payment", event.payment_id, envelope_id),
          std::string(E::kType), event.order_id, std::move(message)};
}

}  // namespace

std::string format_money(std::int64_t minor_units, std::string_view currency) {
  std::string code = currency.empty() ? std::string("USD") : std::string(currency);
  // Unsigned, so the most negative value has a magnitude too.
  auto magnitude = minor_units < 0 ? 0 - static_cast<std::uint64_t>(minor_units)
                                   : static_cast<std::uint64_t>(minor_units);
  int digits = decimals_of(code);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
  // "literal" + std::string chains here.
  std::string text;
  if (minor_units < 0) text += '-';
  text += std::to_string(magnitude / scale);
  if (digits > 0) {
    auto fraction = std::to_string(magnitude % scale);
    text += '.';
    text.append(static_cast<std::size_t>(digits) - fraction.size(), '0');
    text += fraction;
  }
  text += ' ';
  text += code;
  return text;
}

Notice notice_of(const orders::events::OrderPlaced& event, std::string_view envelope_id) {
  std::int64_t items = 0;
  for (const auto& line : event.lines) items += line.quantity;
  auto message = "Your " + order_ref(event.order_id) + " was placed: " + std::to_string(items) +
                 (items == 1 ? " item" : " items") + ", total " +
                 format_money(event.total_cents, event.currency) + ".";
  if (!event.shipping_address.empty())
    message += " It will be shipped to " + event.shipping_address + ".";
  return order_notice(event, envelope_id, std::move(message));
}

Notice notice_of(const orders::events::OrderConfirmed& event, std::string_view envelope_id) {
  auto message = "Your " + order_ref(event.order_id) +
                 " is confirmed: we received your payment of " +
                 format_money(event.total_cents, event.currency) + ".";
  return order_notice(event, envelope_id, std::move(message));
}

Notice notice_of(const orders::events::OrderCancelled& event, std::string_view envelope_id) {
  auto message = "Your " + order_ref(event.order_id) + " was cancelled";
  auto phrase = cancel_phrase(event.reason);
  if (!phrase.empty()) message += ": " + phrase;
  // The reason's code too, so the sentence names it even for a reason this build does not know.
  if (!event.reason.empty()) message += " (reason: " + event.reason + ")";
  return order_notice(event, envelope_id, message + ".");
}

Notice notice_of(const orders::events::OrderShipped& event, std::string_view envelope_id) {
  return order_notice(event, envelope_id, "Your " + order_ref(event.order_id) + " has shipped.");
}

Notice notice_of(const payments::events::PaymentFailed& event, std::string_view envelope_id) {
  auto message = "The payment of " + format_money(event.amount_cents, event.currency) +
                 " for your " + order_ref(event.order_id) + " failed";
  if (!event.reason.empty()) message += ": " + event.reason;
  return payment_notice(event, envelope_id, message + ".");
}

Notice notice_of(const payments::events::PaymentRefunded& event, std::string_view envelope_id) {
  auto message = "Your payment of " + format_money(event.amount_cents, event.currency) + " for " +
                 order_ref(event.order_id) + " was refunded.";
  return payment_notice(event, envelope_id, std::move(message));
}

}  // namespace notifications
