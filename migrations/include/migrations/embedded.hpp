#pragma once
// The migrations of migrations/<scope>/ as compiled into the binary.

#include <kernel/migrations.hpp>

#include <string_view>
#include <vector>

namespace mart::migrations {

std::vector<kernel::Migration> for_scope(std::string_view scope);

}  // namespace mart::migrations
