// Orders' statuses against Payments' payments: a merge of the two tables in order id order, so
// a million orders are checked in one pass without holding either in memory.

#include "module_checks.hpp"

#include <SQLiteCpp/Statement.h>

#include <optional>
#include <vector>

namespace mart::check {
namespace {

constexpr const char* kOrders =
    "SELECT id, status, total_cents, currency FROM orders "
    "WHERE status = 'confirmed' OR status = 'shipped' OR status = 'cancelled' ORDER BY id";
constexpr const char* kPayments =
    "SELECT order_id, id, status, amount_cents, currency FROM payments ORDER BY order_id, id";
constexpr const char* kPaymentCount = "SELECT COUNT(*) FROM payments";
// A cancellation reaches Payments as an event: between the order's cancel and Payments' handling
// of it (the refund), a cancelled order keeps its succeeded payment. In a cut of a running mart
// that is an event in flight, not a breach: its OrderCancelled is still ahead of Payments'
// position in Orders' outbox, or parked for a retry in Payments.
constexpr const char* kCancelEvent =
    "SELECT seq, event_id FROM bus_outbox WHERE aggregate_key = ? "
    "AND type LIKE 'orders.order_cancelled.v%' ORDER BY seq DESC LIMIT 1";
constexpr const char* kPaymentsPosition = "SELECT seq FROM bus_positions WHERE source = 'orders'";
constexpr const char* kParked =
    "SELECT status FROM bus_parked WHERE event_id = ? AND status <> 'discarded' LIMIT 1";

struct Payment {
  std::int64_t order_id = 0;
  std::int64_t id = 0;
  std::string status;
  std::int64_t amount_cents = 0;
  std::string currency;
};

std::string money(std::int64_t cents, const std::string& currency) {
  return std::to_string(cents) + " " + currency;
}

// Reads the payments of one order after another from a statement ordered by order id.
class PaymentCursor {
 public:
  explicit PaymentCursor(SQLite::Database& payments) : select_(payments, kPayments) { advance(); }

  // The payments of `order_id`; those of smaller order ids (no such order in the list) are
  // passed over.
  std::vector<Payment> of(std::int64_t order_id) {
    std::vector<Payment> out;
    while (next_ && next_->order_id < order_id) advance();
    while (next_ && next_->order_id == order_id) {
      out.push_back(*next_);
      advance();
    }
    return out;
  }

 private:
  void advance() {
    if (!select_.executeStep()) {
      next_.reset();
      return;
    }
    next_ = Payment{select_.getColumn(0).getInt64(), select_.getColumn(1).getInt64(),
                    select_.getColumn(2).getString(), select_.getColumn(3).getInt64(),
                    select_.getColumn(4).getString()};
  }

  SQLite::Statement select_;
  std::optional<Payment> next_;
};

std::string describe(const std::vector<Payment>& payments) {
  if (payments.empty()) return "no payment";
  std::string out;
  for (const auto& p : payments) {
    if (!out.empty()) out += ", ";
    out += "payment " + std::to_string(p.id) + " " + p.status + " of " +
           money(p.amount_cents, p.currency);
  }
  return out;
}

// Whether a cancelled order's refund is still to come (its OrderCancelled not yet handled by
// Payments); `breach_note` says more when it is not.
bool refund_in_flight(SQLite::Database& orders, SQLite::Database& payments, std::int64_t order_id,
                      std::string& breach_note) {
  SQLite::Statement event(orders, kCancelEvent);
  event.bind(1, std::to_string(order_id));  // an order event's key is its order id
  if (!event.executeStep()) return false;
  auto seq = event.getColumn(0).getInt64();
  auto event_id = event.getColumn(1).getString();
  SQLite::Statement position(payments, kPaymentsPosition);
  const std::int64_t read_up_to = position.executeStep() ? position.getColumn(0).getInt64() : 0;
  if (seq > read_up_to) return true;
  SQLite::Statement parked(payments, kParked);
  parked.bind(1, event_id);
  if (!parked.executeStep()) return false;
  if (parked.getColumn(0).getString() == "pending") return true;
  breach_note = "; its OrderCancelled " + event_id + " is a dead letter in payments";
  return false;
}

}  // namespace

void check_order_payments(SQLite::Database& orders, SQLite::Database& payments, Report& report) {
  report.checked(invariant::kConfirmedOrderPaid);
  report.checked(invariant::kCancelledOrderUnpaid);
  SQLite::Statement select(orders, kOrders);
  PaymentCursor cursor(payments);
  std::int64_t refunds_in_flight = 0;
  while (select.executeStep()) {
    auto id = select.getColumn(0).getInt64();
    auto status = select.getColumn(1).getString();
    auto total = select.getColumn(2).getInt64();
    auto currency = select.getColumn(3).getString();
    auto paid = cursor.of(id);
    int succeeded = 0;
    int succeeded_of_total = 0;
    for (const auto& p : paid) {
      if (p.status != "succeeded") continue;
      ++succeeded;
      if (p.amount_cents == total && p.currency == currency) ++succeeded_of_total;
    }
    auto subject = "order " + std::to_string(id);
    if (status == "cancelled") {
      if (succeeded == 0) continue;
      std::string note;
      if (refund_in_flight(orders, payments, id, note)) {
        ++refunds_in_flight;
        continue;
      }
      report.breach({invariant::kCancelledOrderUnpaid, "payments", subject,
                     "cancelled but keeps " + describe(paid) + " (not refunded)" + note});
    } else if (succeeded != 1 || succeeded_of_total != 1) {
      report.breach(
          {invariant::kConfirmedOrderPaid, "payments", subject,
           status + " with total " + money(total, currency) + " but has " + describe(paid)});
    }
  }
  SQLite::Statement count(payments, kPaymentCount);
  count.executeStep();
  report.count("payments", count.getColumn(0).getInt64());
  report.count("refunds_in_flight", refunds_in_flight);
}

}  // namespace mart::check
