#pragma once
// An open write transaction of one module's database that can publish events: publishing writes
// the event into the module's outbox in this same transaction (transactional outbox).

#include "eventbus/event.hpp"

#include <kernel/database.hpp>
#include <kernel/time.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace eventbus {

class Tx {
 public:
  Tx(kernel::Connection& connection, std::string_view module, const Trace& trace,
     const kernel::Clock& clock)
      : connection_(connection), module_(module), trace_(trace), clock_(clock) {}

  kernel::Connection& db() { return connection_; }
  const Trace& trace() const { return trace_; }
  std::string_view module() const { return module_; }

  template <Event E>
  void publish(const E& event) {
    // The event's JSON tree is built in a buffer on the stack, not node by node on the heap.
    unsigned char scratch[2048];
    boost::json::monotonic_resource memory(scratch, sizeof scratch);
    append(E::kType, E::kTopic, event.key(),
           boost::json::serialize(boost::json::value_from(event, &memory)));
  }

  // Untyped form, for the bridge and tests.
  void append(std::string_view type, std::string_view topic, const std::string& key,
              const std::string& payload);

  // A business decision taken in this transaction on an order: one info line with the trace it
  // belongs to and the order's id (docs/operations.md, "Logs that follow an order").
  void decided(std::string_view message, std::int64_t order_id) const;

  int published() const { return static_cast<int>(published_types_.size()); }
  // The types published so far, in order (counted in metrics once the transaction committed).
  const std::vector<std::string>& published_types() const { return published_types_; }

 private:
  kernel::Connection& connection_;
  std::string_view module_;
  const Trace& trace_;
  const kernel::Clock& clock_;
  std::vector<std::string> published_types_;
};

// Counts committed publications in mart_events_published_total{module,type}.
void count_published(std::string_view module, const std::vector<std::string>& types);

}  // namespace eventbus
