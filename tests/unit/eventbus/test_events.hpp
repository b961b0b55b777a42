#pragma once
// Events and a consumer table used by the bus tests: module "alpha" publishes, "beta" consumes.

#include "bus_database.hpp"

#include <eventbus/bus.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace bus_test {

struct ThingHappened {
  static constexpr std::string_view kType = "alpha.thing_happened.v1";
  static constexpr std::string_view kTopic = "AlphaEvents";
  std::string thing;
  std::int64_t n = 0;
  std::string key() const { return thing; }
};
BOOST_DESCRIBE_STRUCT(ThingHappened, (), (thing, n))

struct ThingSeen {
  static constexpr std::string_view kType = "beta.thing_seen.v1";
  static constexpr std::string_view kTopic = "BetaEvents";
  std::string thing;
  std::int64_t n = 0;
  std::string key() const { return thing; }
};
BOOST_DESCRIBE_STRUCT(ThingSeen, (), (thing, n))

inline constexpr const char* kCreateSeen =
    "CREATE TABLE IF NOT EXISTS seen (id INTEGER PRIMARY KEY, thing TEXT, n INTEGER)";
inline constexpr const char* kInsertSeen = "INSERT INTO seen(thing, n) VALUES (?, ?)";

inline void create_seen_table(kernel::Database& db) {
  db.write([](kernel::Connection& c) { c.exec(kCreateSeen); });
}

// Records the effect in the consumer's own database (inside the handler's transaction).
inline void record_seen(kernel::Connection& c, const ThingHappened& e) {
  auto& insert = c.prepare(kInsertSeen);
  insert.bind(1, e.thing);
  insert.bind(2, e.n);
  insert.exec();
}

struct Seen {
  std::string thing;
  std::int64_t n;
  bool operator==(const Seen&) const = default;
};

inline std::vector<Seen> all_seen(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    std::vector<Seen> out;
    SQLite::Statement select(c.raw(), "SELECT thing, n FROM seen ORDER BY id");
    while (select.executeStep()) {
      out.push_back({select.getColumn(0).getString(), select.getColumn(1).getInt64()});
    }
    return out;
  });
}

inline void publish(eventbus::ModuleBus& from, const std::string& thing, std::int64_t n,
                    const std::string& correlation = "corr") {
  from.transact({correlation, ""}, [&](eventbus::Tx& tx) { tx.publish(ThingHappened{thing, n}); });
}

// alpha and beta in files under `dir` (what a restarted process opens again), with the bus's
// tables; beta with its `seen` table.
struct Files {
  std::shared_ptr<kernel::Database> alpha;
  std::shared_ptr<kernel::Database> beta;
};

inline Files open_files(const std::filesystem::path& dir) {
  Files f{mart::test::bus_database("alpha", dir), mart::test::bus_database("beta", dir)};
  create_seen_table(*f.beta);
  return f;
}

}  // namespace bus_test
