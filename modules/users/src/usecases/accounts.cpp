#include "usecases/accounts.hpp"

#include "domain/password.hpp"
#include "store/user_store.hpp"

#include <users/events.hpp>

#include <kernel/pagination.hpp>
#include <kernel/time.hpp>

namespace users {
namespace {

template <class E>
E event_of(const User& u) {
  return E{u.id, u.email, u.name, std::string(kernel::role_name(u.role))};
}

kernel::ApiError unauthorized() {
  return kernel::ApiError(401, "Unauthorized", "The email or the password is wrong.");
}

kernel::ApiError not_found(std::int64_t id) {
  return kernel::ApiError::not_found("User " + std::to_string(id) + " not found.");
}

kernel::ApiError email_taken() {
  return kernel::ApiError::conflict("An account with this email already exists.");
}

// Tells the processes that authenticate without this module (split mode) that the account's
// older tokens ended, in the transaction that ended them; any token signed before now expires
// within token_ttl, so the revocation matters until then.
void publish_new_generation(eventbus::Tx& tx, std::int64_t user_id, std::int64_t until) {
  auto user = store::find(tx.db(), user_id);
  if (!user) return;
  tx.publish(events::TokensRevoked{user_id, user->token_generation, "", until});
}

}  // namespace

User Accounts::register_user(Registration input, const eventbus::Trace& trace, kernel::Role role) {
  kernel::FieldErrors errors;
  auto email = normalize_email(input.email);
  if (!email) errors["email"] = "must be a valid email address";
  check_password(input.password, errors);
  check_name(input.name, errors);
  throw_if_invalid(errors);

  User user;
  user.email = *email;
  user.name = input.name;
  user.role = role;
  user.created_at = user.updated_at = kernel::format_rfc3339(bus_.clock().now());
  // A taken email costs no hash (the check is repeated under the write lock for a race).
  if (bus_.db().read([&](kernel::Connection& c) {
        return store::find_by_email_key(c, email_key(user.email)).has_value();
      })) {
    throw email_taken();
  }
  auto hash = password::hash(input.password);  // slow on purpose: outside the write lock
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    if (store::find_by_email_key(tx.db(), email_key(user.email))) throw email_taken();
    user.id = store::insert(tx.db(), user, hash);
    tx.publish(event_of<events::UserRegistered>(user));
    return user;
  });
}

IssuedToken Accounts::login(const std::string& email, const std::string& password) {
  auto normalized = normalize_email(email);
  std::optional<store::Credentials> credentials;
  if (normalized) {
    credentials = bus_.db().read(
        [&](kernel::Connection& c) { return store::find_by_email_key(c, email_key(*normalized)); });
  }
  if (!credentials) {
    password::verify_dummy(password);
    throw unauthorized();
  }
  if (!password::verify(credentials->password_hash, password)) throw unauthorized();

  auto now = now_seconds();
  kernel::TokenClaims claims{credentials->user.id,
                             credentials->user.role,
                             now,
                             now + options_.token_ttl.count(),
                             credentials->user.token_generation,
                             kernel::new_token_id()};
  return {options_.tokens->sign(claims), options_.token_ttl.count()};
}

std::int64_t Accounts::now_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(bus_.clock().now().time_since_epoch())
      .count();
}

void Accounts::change_password(std::int64_t id, const std::string& current_password,
                               const std::string& new_password) {
  kernel::FieldErrors errors;
  check_password(new_password, errors);
  if (!errors.empty()) {
    errors["new_password"] = errors["password"];
    errors.erase("password");
  }
  throw_if_invalid(errors);
  auto credentials =
      bus_.db().read([&](kernel::Connection& c) { return store::find_credentials(c, id); });
  if (!credentials) throw not_found(id);
  if (!password::verify(credentials->password_hash, current_password)) {
    throw kernel::ApiError(401, "Unauthorized", "The current password is wrong.");
  }
  auto hash = password::hash(new_password);  // slow on purpose: outside the write lock
  bus_.transact(eventbus::Trace{"password-change", ""}, [&](eventbus::Tx& tx) {
    auto now = store::find_credentials(tx.db(), id);
    if (!now) throw not_found(id);
    // Changed meanwhile (another change, a promotion): the verified password may be stale.
    if (now->password_hash != credentials->password_hash) {
      throw kernel::ApiError::conflict("The password changed meanwhile; try again.");
    }
    store::update_credentials(tx.db(), id, now->user.role, hash,
                              kernel::format_rfc3339(bus_.clock().now()));
    publish_new_generation(tx, id, now_seconds() + options_.token_ttl.count());
  });
}

void Accounts::logout(std::int64_t caller, std::string_view token_text) {
  auto claims = options_.tokens->verify(token_text, now_seconds());
  if (!claims || claims->user_id != caller) {
    throw kernel::ApiError(401, "Unauthorized", "This token cannot be ended.");
  }
  const auto& token = *claims;
  bus_.transact(eventbus::Trace{"logout", ""}, [&](eventbus::Tx& tx) {
    if (!token.token_id.empty()) {
      store::revoke(tx.db(), token.token_id, token.user_id, token.expires_at, now_seconds());
      tx.publish(
          events::TokensRevoked{token.user_id, token.generation, token.token_id, token.expires_at});
      return;
    }
    // A token signed before tokens had ids cannot be named: end the account's older tokens.
    auto credentials = store::find_credentials(tx.db(), token.user_id);
    if (!credentials) return;
    store::update_credentials(tx.db(), token.user_id, credentials->user.role,
                              credentials->password_hash,
                              kernel::format_rfc3339(bus_.clock().now()));
    publish_new_generation(tx, token.user_id, now_seconds() + options_.token_ttl.count());
  });
}

User Accounts::get(std::int64_t id) {
  auto user = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  if (!user) throw not_found(id);
  return *user;
}

User Accounts::update(std::int64_t id, ProfileChanges changes, const eventbus::Trace& trace) {
  kernel::FieldErrors errors;
  if (changes.name) check_name(*changes.name, errors);
  if (changes.address && *changes.address) check_address(**changes.address, errors);
  throw_if_invalid(errors);
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto user = store::find(tx.db(), id);
    if (!user) throw not_found(id);
    auto before = *user;
    if (changes.name) user->name = *changes.name;
    if (changes.address) user->address = *changes.address;
    if (user->name == before.name && user->address == before.address) return *user;
    user->updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update_profile(tx.db(), *user);
    tx.publish(event_of<events::UserUpdated>(*user));
    return *user;
  });
}

UserPage Accounts::list(std::int64_t after, int limit) {
  UserPage page;
  page.items = bus_.db().read(
      [&](kernel::Connection& c) { return store::page(c, after, kernel::rows_for_page(limit)); });
  page.next_after = kernel::take_page(page.items, limit);
  return page;
}

std::int64_t Accounts::ensure_admin(const std::string& email, const std::string& password,
                                    const std::string& name, bool promote_existing) {
  kernel::FieldErrors errors;
  auto normalized = normalize_email(email);
  if (!normalized) errors["email"] = "must be a valid email address";
  check_password(password, errors);
  throw_if_invalid(errors);
  auto existing = bus_.db().read(
      [&](kernel::Connection& c) { return store::find_by_email_key(c, email_key(*normalized)); });
  eventbus::Trace trace{"ensure-admin", ""};
  if (!existing) {
    return register_user({*normalized, password, name.empty() ? "Administrator" : name}, trace,
                         kernel::Role::admin)
        .id;
  }
  bool is_admin = existing->user.role == kernel::Role::admin;
  if (is_admin && password::verify(existing->password_hash, password)) return existing->user.id;
  if (!is_admin && !promote_existing) {
    // Whoever registered this address holds its password and tokens: making it an admin must
    // be a decision, never a side effect of a setting.
    throw kernel::ApiError::conflict(
        "The account " + existing->user.email +
        " exists and is not an admin; promoting it needs --promote-existing "
        "(setting admin_promote_existing).");
  }
  auto hash = password::hash(password);
  // A promotion or a new password: update_credentials ends every older token of the account.
  bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto user = existing->user;
    user.role = kernel::Role::admin;
    user.updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update_credentials(tx.db(), user.id, user.role, hash, user.updated_at);
    publish_new_generation(tx, user.id, now_seconds() + options_.token_ttl.count());
    if (!is_admin) tx.publish(event_of<events::UserUpdated>(user));
  });
  return existing->user.id;
}

std::int64_t Accounts::demote_admin(const std::string& email) {
  auto normalized = normalize_email(email);
  if (!normalized)
    throw kernel::ApiError::invalid_fields({{"email", "must be a valid email address"}});
  return bus_.transact(eventbus::Trace{"demote-admin", ""}, [&](eventbus::Tx& tx) {
    auto existing = store::find_by_email_key(tx.db(), email_key(*normalized));
    if (!existing)
      throw kernel::ApiError::not_found("No account has the email " + *normalized + ".");
    if (existing->user.role != kernel::Role::admin) {
      throw kernel::ApiError::conflict("The account " + existing->user.email + " is not an admin.");
    }
    auto user = existing->user;
    user.role = kernel::Role::customer;
    user.updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update_credentials(tx.db(), user.id, user.role, existing->password_hash,
                              user.updated_at);
    publish_new_generation(tx, user.id, now_seconds() + options_.token_ttl.count());
    tx.publish(event_of<events::UserUpdated>(user));
    return user.id;
  });
}

std::optional<kernel::Principal> Accounts::find(std::int64_t user_id) {
  auto user = bus_.db().read([&](kernel::Connection& c) { return store::find(c, user_id); });
  if (!user) return std::nullopt;
  return kernel::Principal{user->id, user->role, user->token_generation};
}

bool Accounts::revoked(std::string_view token_id) {
  return bus_.db().read(
      [&](kernel::Connection& c) { return store::is_revoked(c, std::string(token_id)); });
}

}  // namespace users
