#pragma once
// Where the token signing secret comes from: the configuration, or a random one generated once
// and kept in <data_dir>/jwt_secret (mode 0600) so tokens survive a restart.

#include "config/config.hpp"

#include <string>

namespace mart {

std::string load_or_create_jwt_secret(const Config& config);

}  // namespace mart
