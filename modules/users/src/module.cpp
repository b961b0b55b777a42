#include <users/module.hpp>

#include "http/routes.hpp"
#include "usecases/accounts.hpp"

#include <kernel/worker_pool.hpp>

namespace users {
namespace {

class Users final : public UsersModule {
 public:
  Users(eventbus::ModuleBus& bus, UsersOptions options) : accounts_(bus, options) {}
  std::string_view name() const override { return "users"; }
  void add_routes(kernel::Router& router) override {
    http::add_routes(router, accounts_, password_work_);
  }
  kernel::PrincipalDirectory& directory() override { return accounts_; }
  std::int64_t ensure_admin(const std::string& email, const std::string& password,
                            const std::string& name, bool promote_existing) override {
    (void)promote_existing;  // TODO(#13 item 4): refuse a promotion unless asked for
    return accounts_.ensure_admin(email, password, name);
  }

 private:
  Accounts accounts_;
  // Two password hashes at a time (64 MiB each); declared last, so it finishes its jobs before
  // the accounts they use go.
  kernel::WorkerPool password_work_{2};
};

}  // namespace

std::unique_ptr<UsersModule> make_module(eventbus::ModuleBus& bus, UsersOptions options) {
  if (!options.tokens) throw std::invalid_argument("the users module needs a token codec");
  return std::make_unique<Users>(bus, options);
}

}  // namespace users
