#pragma once
// A bus for unit and integration tests: in-memory module databases, a manual clock, and a record
// of what was published, so a test reads "stimulate, run until idle, expect ProductCreated 7".

#include <eventbus/bus.hpp>
#include <eventbus/decode.hpp>
#include <kernel/time.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mart::test {

class RecordingBus {
 public:
  RecordingBus();

  eventbus::Bus& bus() { return *bus_; }
  kernel::ManualClock& clock() { return clock_; }

  // An in-memory database for `module` with the bus tables and the module's own migrations.
  eventbus::ModuleBus& host(const std::string& module);

  std::size_t run_until_idle() { return bus_->run_until_idle(); }

  // Every event of type E that `module` has published so far, in outbox order.
  template <eventbus::Event E>
  std::vector<E> published(const std::string& module) {
    std::vector<E> out;
    for (const auto& payload : payloads(module, std::string(E::kType))) {
      out.push_back(eventbus::decode_event<E>(boost::json::parse(payload)));
    }
    return out;
  }
  std::vector<eventbus::Envelope> envelopes(const std::string& module);

  // Publishes `event` from `module` as if that module had committed it (module must be hosted).
  template <eventbus::Event E>
  void inject(const std::string& module, const E& event, std::string correlation_id = "test") {
    auto* m = bus_->find(module);
    m->transact({correlation_id, ""}, [&](eventbus::Tx& tx) { tx.publish(event); });
  }

 private:
  std::vector<std::string> payloads(const std::string& module, const std::string& type);

  kernel::ManualClock clock_;
  std::unique_ptr<eventbus::Bus> bus_;
};

}  // namespace mart::test
