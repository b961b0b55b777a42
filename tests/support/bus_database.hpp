#pragma once
// Module databases with the bus's tables (outbox, inbox, dead letters), for tests that build
// their own eventbus::Bus.

#include <kernel/database.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace mart::test {

// In memory.
std::shared_ptr<kernel::Database> bus_database(const std::string& module);
// In the file `dir`/<module>.db.
std::shared_ptr<kernel::Database> bus_database(const std::string& module,
                                               const std::filesystem::path& dir);

}  // namespace mart::test
