#include "store/contact_store.hpp"

namespace notifications::store {
namespace {

// ">=": an event seen again at the same position (or with no position at all) still applies.
constexpr const char* kUpsert =
    "INSERT INTO contacts(user_id, email, name, source_seq) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(user_id) DO UPDATE SET email = excluded.email, name = excluded.name, "
    "source_seq = excluded.source_seq WHERE excluded.source_seq >= contacts.source_seq";
constexpr const char* kFind = "SELECT user_id, email, name FROM contacts WHERE user_id = ?";

}  // namespace

void upsert_contact(kernel::Connection& c, const Contact& contact, std::int64_t source_seq) {
  auto& upsert = c.prepare(kUpsert);
  upsert.bind(1, contact.user_id);
  upsert.bind(2, contact.email);
  upsert.bind(3, contact.name);
  upsert.bind(4, source_seq);
  upsert.exec();
}

std::optional<Contact> find_contact(kernel::Connection& c, std::int64_t user_id) {
  auto& select = c.prepare(kFind);
  select.bind(1, user_id);
  std::optional<Contact> out;
  if (select.executeStep()) {
    out = Contact{select.getColumn(0).getInt64(), select.getColumn(1).getString(),
                  select.getColumn(2).getString()};
  }
  select.reset();
  return out;
}

}  // namespace notifications::store
