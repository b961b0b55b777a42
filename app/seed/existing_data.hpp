#pragma once
// Whether a data directory already holds an account or a product, decided without changing it:
// nothing is created, migrated or written when the answer is yes.

#include <filesystem>

namespace mart::seed {

// True when <data_dir>/users.db has a user or <data_dir>/products.db has a product (a deleted one
// too). Missing files, and files without those tables, hold nothing.
bool holds_users_or_products(const std::filesystem::path& data_dir);

}  // namespace mart::seed
