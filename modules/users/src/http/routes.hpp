#pragma once
// /api/v1/users and /api/v1/auth/login.

#include "usecases/accounts.hpp"

#include <kernel/router.hpp>

namespace users::http {

void add_routes(kernel::Router& router, Accounts& accounts);

}  // namespace users::http
