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

}  // namespace

void check_order_payments(SQLite::Database& orders, SQLite::Database& payments, Report& report) {
  report.checked(invariant::kConfirmedOrderPaid);
  report.checked(invariant::kCancelledOrderUnpaid);
  SQLite::Statement select(orders, kOrders);
  PaymentCursor cursor(payments);
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
      if (succeeded > 0) {
        report.breach({invariant::kCancelledOrderUnpaid, "payments", subject,
                       "cancelled but keeps " + describe(paid) + " (not refunded)"});
      }
    } else if (succeeded != 1 || succeeded_of_total != 1) {
      report.breach(
          {invariant::kConfirmedOrderPaid, "payments", subject,
           status + " with total " + money(total, currency) + " but has " + describe(paid)});
    }
  }
  SQLite::Statement count(payments, kPaymentCount);
  count.executeStep();
  report.count("payments", count.getColumn(0).getInt64());
}

}  // namespace mart::check
