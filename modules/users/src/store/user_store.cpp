#include "store/user_store.hpp"

namespace users::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO users(email, email_key, name, address, role, password_hash, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kFind =
    "SELECT id, email, name, address, role, created_at, updated_at, token_generation FROM users "
    "WHERE id = ?";
constexpr const char* kFindByEmailKey =
    "SELECT id, email, name, address, role, created_at, updated_at, token_generation, "
    "password_hash FROM users WHERE email_key = ?";
constexpr const char* kFindCredentials =
    "SELECT id, email, name, address, role, created_at, updated_at, token_generation, "
    "password_hash FROM users WHERE id = ?";
constexpr const char* kUpdateProfile =
    "UPDATE users SET name = ?, address = ?, updated_at = ? WHERE id = ?";
constexpr const char* kUpdateCredentials =
    "UPDATE users SET role = ?, password_hash = ?, updated_at = ?, "
    "token_generation = token_generation + 1 WHERE id = ?";
constexpr const char* kPage =
    "SELECT id, email, name, address, role, created_at, updated_at, token_generation FROM users "
    "WHERE id > ? ORDER BY id LIMIT ?";
constexpr const char* kPruneRevoked = "DELETE FROM revoked_tokens WHERE expires_at <= ?";
constexpr const char* kRevoke =
    "INSERT OR IGNORE INTO revoked_tokens(token_id, user_id, expires_at) VALUES (?, ?, ?)";
constexpr const char* kIsRevoked = "SELECT 1 FROM revoked_tokens WHERE token_id = ?";

User read_user(SQLite::Statement& row) {
  User u;
  u.id = row.getColumn(0).getInt64();
  u.email = row.getColumn(1).getString();
  u.name = row.getColumn(2).getString();
  if (!row.getColumn(3).isNull()) u.address = row.getColumn(3).getString();
  u.role = kernel::parse_role(row.getColumn(4).getString()).value_or(kernel::Role::customer);
  u.created_at = row.getColumn(5).getString();
  u.updated_at = row.getColumn(6).getString();
  u.token_generation = row.getColumn(7).getInt64();
  return u;
}

}  // namespace

std::int64_t insert(kernel::Connection& c, const User& user, const std::string& password_hash) {
  auto& insert = c.prepare(kInsert);
  insert.bind(1, user.email);
  insert.bind(2, email_key(user.email));
  insert.bind(3, user.name);
  kernel::bind_optional(insert, 4, user.address);
  insert.bind(5, std::string(kernel::role_name(user.role)));
  insert.bind(6, password_hash);
  insert.bind(7, user.created_at);
  insert.bind(8, user.updated_at);
  insert.exec();
  return c.last_insert_rowid();
}

std::optional<User> find(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFind);
  select.bind(1, id);
  std::optional<User> out;
  if (select.executeStep()) out = read_user(select);
  select.reset();
  return out;
}

std::optional<Credentials> find_by_email_key(kernel::Connection& c, const std::string& key) {
  auto& select = c.prepare(kFindByEmailKey);
  select.bind(1, key);
  std::optional<Credentials> out;
  if (select.executeStep()) out = Credentials{read_user(select), select.getColumn(8).getString()};
  select.reset();
  return out;
}

std::optional<Credentials> find_credentials(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFindCredentials);
  select.bind(1, id);
  std::optional<Credentials> out;
  if (select.executeStep()) out = Credentials{read_user(select), select.getColumn(8).getString()};
  select.reset();
  return out;
}

void update_profile(kernel::Connection& c, const User& user) {
  auto& update = c.prepare(kUpdateProfile);
  update.bind(1, user.name);
  kernel::bind_optional(update, 2, user.address);
  update.bind(3, user.updated_at);
  update.bind(4, user.id);
  update.exec();
}

void update_credentials(kernel::Connection& c, std::int64_t id, kernel::Role role,
                        const std::string& password_hash, const std::string& at) {
  auto& update = c.prepare(kUpdateCredentials);
  update.bind(1, std::string(kernel::role_name(role)));
  update.bind(2, password_hash);
  update.bind(3, at);
  update.bind(4, id);
  update.exec();
}

std::vector<User> page(kernel::Connection& c, std::int64_t after, int limit) {
  auto& select = c.prepare(kPage);
  select.bind(1, after);
  select.bind(2, limit);
  std::vector<User> out;
  while (select.executeStep()) out.push_back(read_user(select));
  return out;
}

void revoke(kernel::Connection& c, const std::string& token_id, std::int64_t user_id,
            std::int64_t expires_at, std::int64_t now) {
  auto& prune = c.prepare(kPruneRevoked);
  prune.bind(1, now);
  prune.exec();
  auto& insert = c.prepare(kRevoke);
  insert.bind(1, token_id);
  insert.bind(2, user_id);
  insert.bind(3, expires_at);
  insert.exec();
}

bool is_revoked(kernel::Connection& c, const std::string& token_id) {
  auto& select = c.prepare(kIsRevoked);
  select.bind(1, token_id);
  bool found = select.executeStep();
  select.reset();
  return found;
}

}  // namespace users::store
