#pragma once
// SQL of the contacts table: the module's copy of user accounts.

#include "domain/notification.hpp"

#include <kernel/database.hpp>

#include <optional>

namespace notifications::store {

// Inserts or replaces the contact, unless a later users event (higher outbox position
// `source_seq`) was already applied.
void upsert_contact(kernel::Connection& c, const Contact& contact, std::int64_t source_seq);
std::optional<Contact> find_contact(kernel::Connection& c, std::int64_t user_id);

}  // namespace notifications::store
