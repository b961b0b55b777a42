#include "recording_bus.hpp"

#include <kernel/migrations.hpp>
#include <kernel/sealed_text.hpp>
#include <migrations/embedded.hpp>

namespace mart::test {

RecordingBus::RecordingBus() {
  eventbus::BusOptions options;
  options.clock = &clock_;
  options.retry.max_attempts = 3;
  options.retry.initial_backoff = std::chrono::milliseconds(100);
  bus_ = std::make_unique<eventbus::Bus>(options);
  // The card token travels sealed (orders::events::PaymentRequested); the application derives
  // the key from jwt_secret, a test process gets a fixed one unless it set its own.
  if (!kernel::sealed_text::has_key()) {
    kernel::sealed_text::set_key("recording-bus-test-secret-0123456789", "mart payment token v1");
  }
}

eventbus::ModuleBus& RecordingBus::host(const std::string& module) {
  auto db = kernel::Database::open_in_memory(module);
  kernel::apply_migrations(*db, "eventbus", migrations::for_scope("eventbus"));
  kernel::apply_migrations(*db, module, migrations::for_scope(module));
  return bus_->attach(module, db);
}

std::vector<std::string> RecordingBus::payloads(const std::string& module,
                                                const std::string& type) {
  std::vector<std::string> out;
  bus_->find(module)->db().read([&](kernel::Connection& c) {
    SQLite::Statement select(c.raw(), "SELECT payload FROM bus_outbox WHERE type = ? ORDER BY seq");
    select.bind(1, type);
    while (select.executeStep()) out.push_back(select.getColumn(0).getString());
  });
  return out;
}

std::vector<eventbus::Envelope> RecordingBus::envelopes(const std::string& module) {
  std::vector<eventbus::Envelope> out;
  bus_->find(module)->db().read([&](kernel::Connection& c) {
    SQLite::Statement select(c.raw(),
                             "SELECT seq, event_id, type, topic, aggregate_key, occurred_ms, "
                             "correlation_id, causation_id, payload FROM bus_outbox ORDER BY seq");
    while (select.executeStep()) {
      eventbus::Envelope e;
      e.seq = select.getColumn(0).getInt64();
      e.id = select.getColumn(1).getString();
      e.type = select.getColumn(2).getString();
      e.topic = select.getColumn(3).getString();
      e.key = select.getColumn(4).getString();
      e.occurred_ms = select.getColumn(5).getInt64();
      e.correlation_id = select.getColumn(6).getString();
      e.causation_id = select.getColumn(7).getString();
      e.payload = select.getColumn(8).getString();
      e.source = module;
      out.push_back(std::move(e));
    }
  });
  return out;
}

}  // namespace mart::test
