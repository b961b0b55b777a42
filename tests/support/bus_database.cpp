#include "bus_database.hpp"

#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

namespace mart::test {
namespace {

std::shared_ptr<kernel::Database> with_bus_tables(std::shared_ptr<kernel::Database> db) {
  kernel::apply_migrations(*db, "eventbus", mart::migrations::for_scope("eventbus"));
  return db;
}

}  // namespace

std::shared_ptr<kernel::Database> bus_database(const std::string& module) {
  return with_bus_tables(kernel::Database::open_in_memory(module));
}

std::shared_ptr<kernel::Database> bus_database(const std::string& module,
                                               const std::filesystem::path& dir) {
  return with_bus_tables(kernel::Database::open(module, dir / (module + ".db")));
}

}  // namespace mart::test
