#include "consistent_cut.hpp"

#include <mart/module_list.hpp>

#include <algorithm>
#include <stdexcept>

namespace mart::check {
namespace {

// Any read starts the read transaction's snapshot (BEGIN alone does not).
constexpr const char* kStartSnapshot = "SELECT COUNT(*) FROM sqlite_schema";

}  // namespace

ConsistentCut::ConsistentCut(const std::filesystem::path& data_dir,
                             const std::vector<std::string>& modules, CutOptions options) {
  // Everything is opened, and each schema read, before the first lock is taken, so that the
  // pause holds only the locking.
  for (auto name : kModuleNames) {
    if (std::find(modules.begin(), modules.end(), name) == modules.end()) continue;
    auto file = data_dir / (std::string(name) + ".db");
    if (!std::filesystem::exists(file)) {
      missing_.emplace_back(name);
      continue;
    }
    // Read-write without create: BEGIN IMMEDIATE needs a connection that may write, and it
    // writes nothing.
    lockers_.push_back(std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READWRITE,
                                                          options.lock_timeout_ms));
    Snapshot snapshot{std::string(name), file,
                      std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY,
                                                         options.lock_timeout_ms)};
    SQLite::Statement(*lockers_.back(), kStartSnapshot).executeStep();
    SQLite::Statement(*snapshot.reader, kStartSnapshot).executeStep();
    snapshots_.push_back(std::move(snapshot));
    present_.emplace_back(name);
  }

  // The pause starts when the first lock is held (waiting for it stops no writer).
  std::chrono::steady_clock::time_point started;
  std::size_t locked = 0;
  try {
    for (; locked < lockers_.size(); ++locked) {
      lockers_[locked]->exec("BEGIN IMMEDIATE");
      if (locked == 0) started = std::chrono::steady_clock::now();
    }
    for (auto& snapshot : snapshots_) {
      snapshot.reader->exec("BEGIN");
      SQLite::Statement start(*snapshot.reader, kStartSnapshot);
      start.executeStep();
    }
  } catch (...) {
    for (std::size_t i = 0; i < locked; ++i) lockers_[i]->exec("ROLLBACK");
    throw;
  }
  for (auto& locker : lockers_) locker->exec("ROLLBACK");
  if (!lockers_.empty()) {
    write_pause_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
  }
}

ConsistentCut::~ConsistentCut() {
  for (auto& snapshot : snapshots_) {
    try {
      snapshot.reader->exec("ROLLBACK");
    } catch (const std::exception&) {
      // Closing the connection ends the transaction anyway.
    }
  }
}

SQLite::Database* ConsistentCut::module(std::string_view name) const {
  for (const auto& snapshot : snapshots_) {
    if (snapshot.module == name) return snapshot.reader.get();
  }
  return nullptr;
}

const std::filesystem::path& ConsistentCut::file_of(std::string_view module) const {
  for (const auto& snapshot : snapshots_) {
    if (snapshot.module == module) return snapshot.file;
  }
  throw std::out_of_range("no database of module " + std::string(module) + " in the cut");
}

}  // namespace mart::check
