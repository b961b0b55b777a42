#include "eventbus/tx.hpp"

#include "outbox_sql.hpp"

#include <kernel/ids.hpp>
#include <kernel/log.hpp>
#include <kernel/metrics.hpp>

#include <stdexcept>

namespace eventbus {

void Tx::decided(std::string_view message, std::int64_t order_id) const {
  kernel::log::decision(module_, message, trace_.correlation_id,
                        {{"order_id", boost::json::value(order_id)}});
}

void Tx::append(std::string_view type, std::string_view topic, const std::string& key,
                const std::string& payload) {
  // Consumers find an event's outbox by its type's prefix: a mis-named type would never arrive.
  if (source_of(type) != module_) {
    throw std::logic_error("module " + std::string(module_) + " cannot publish " +
                           std::string(type) + ": a type must start with its publisher's name");
  }
  auto& insert = connection_.prepare(sql::kAppendOutbox);
  insert.bind(1, kernel::time_ordered_uuid());
  insert.bind(2, std::string(type));
  insert.bind(3, std::string(topic));
  insert.bind(4, key);
  insert.bind(5, trace_.correlation_id);
  insert.bind(6, trace_.causation_id);
  insert.bind(7, kernel::to_unix_millis(clock_.now()));
  insert.bind(8, payload);
  insert.exec();
  published_types_.emplace_back(type);
}

void count_published(std::string_view module, const std::vector<std::string>& types) {
  if (types.empty()) return;
  static auto& family = kernel::metrics::registry().counter(
      "mart_events_published_total", "Events published (committed to an outbox).",
      {"module", "type"});
  const std::string* last = nullptr;
  kernel::metrics::Counter* counter = nullptr;
  for (const auto& type : types) {
    if (!last || *last != type) counter = &family.with({module, type});
    last = &type;
    counter->inc();
  }
}

}  // namespace eventbus
