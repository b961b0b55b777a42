#pragma once
// /api/v1/users, /api/v1/users/me/password, /api/v1/auth/login and /api/v1/auth/logout.

#include "usecases/accounts.hpp"

#include <kernel/router.hpp>
#include <kernel/worker_pool.hpp>

namespace users::http {

void add_routes(kernel::Router& router, Accounts& accounts, kernel::WorkerPool& password_work);

}  // namespace users::http
