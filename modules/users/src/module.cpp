#include <users/module.hpp>

#include "http/routes.hpp"
#include "usecases/accounts.hpp"

#include <kernel/worker_pool.hpp>

namespace users {
namespace {

class Users final : public UsersModule {
 public:
  Users(eventbus::ModuleBus& bus, UsersOptions options)
      : accounts_(bus, options), password_work_(2, options.hash_queue, "pw-hash-") {}
  std::string_view name() const override { return "users"; }
  void add_routes(kernel::Router& router) override {
    http::add_routes(router, accounts_, password_work_);
  }
  kernel::PrincipalDirectory& directory() override { return accounts_; }
  std::int64_t ensure_admin(const std::string& email, const std::string& password,
                            const std::string& name, bool promote_existing) override {
    return accounts_.ensure_admin(email, password, name, promote_existing);
  }
  std::int64_t demote_admin(const std::string& email) override {
    return accounts_.demote_admin(email);
  }

 private:
  Accounts accounts_;
  // Two password hashes at a time (64 MiB each), at most `hash_queue` waiting (each holds an
  // HTTP in-flight slot; beyond, 503); declared last, so it finishes its jobs before the
  // accounts they use go.
  kernel::WorkerPool password_work_;
};

}  // namespace

std::unique_ptr<UsersModule> make_module(eventbus::ModuleBus& bus, UsersOptions options) {
  if (!options.tokens) throw std::invalid_argument("the users module needs a token codec");
  return std::make_unique<Users>(bus, options);
}

}  // namespace users
