#include "checker.hpp"

#include "consistent_cut.hpp"
#include "module_checks.hpp"

#include <mart/module_list.hpp>

#include <algorithm>

namespace mart::check {
namespace {

std::vector<std::string> modules_of(const CheckOptions& options) {
  if (!options.modules.empty()) return options.modules;
  return {kModuleNames.begin(), kModuleNames.end()};
}

std::int64_t as_of_ms(const CheckOptions& options) {
  auto at = options.as_of.value_or(std::chrono::system_clock::now());
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

}  // namespace

Report check_data_dir(const std::filesystem::path& data_dir, const CheckOptions& options) {
  ConsistentCut cut(data_dir, modules_of(options), CutOptions{options.lock_timeout_ms});
  return check_cut(cut, options);
}

Report check_cut(const ConsistentCut& cut, const CheckOptions& options) {
  Report report;
  report.set_write_pause(cut.write_pause());
  report.checked(invariant::kModuleMissing);
  for (const auto& name : cut.missing()) {
    report.breach({invariant::kModuleMissing, name, name + ".db",
                   "no database for this module in the data directory"});
  }
  for (const auto& name : cut.present()) check_migrations(*cut.module(name), name, report);

  auto* inventory = cut.module("inventory");
  auto* orders = cut.module("orders");
  auto* payments = cut.module("payments");
  auto* notifications = cut.module("notifications");
  if (inventory) {
    check_inventory(*inventory, report);
  } else {
    report.skipped("stock: inventory.db is not in this data directory");
  }
  if (orders) {
    check_orders(*orders, options.stuck_after, as_of_ms(options), report);
  } else {
    report.skipped("stuck orders: orders.db is not in this data directory");
  }
  if (orders && payments) {
    check_order_payments(*orders, *payments, report);
  } else {
    report.skipped("payments of orders: needs both orders.db and payments.db");
  }
  if (notifications) {
    check_notifications(*notifications, report);
  } else {
    report.skipped("notifications: notifications.db is not in this data directory");
  }
  check_positions(cut, report);
  return report;
}

}  // namespace mart::check
