#pragma once
// Versioned schema migrations (migrations/<scope>/NNNN_name.sql), applied in order, each in its
// own transaction, recorded with a checksum. An edited, already-applied migration is refused.

#include "kernel/database.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace kernel {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "0001_create_products.sql"
  std::string sql;
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Applies the pending migrations of `scope` to `db`; returns how many were applied.
int apply_migrations(Database& db, const std::string& scope, const std::vector<Migration>& set);

// Hex BLAKE2b-256 of the migration text.
std::string migration_checksum(const std::string& sql);

}  // namespace kernel
