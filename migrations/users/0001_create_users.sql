-- Accounts. Emails are unique case-insensitively (email_key is the lower-cased form).
-- password_hash is an Argon2id string from libsodium's crypto_pwhash_str; it never leaves this table.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  email         TEXT    NOT NULL,
  email_key     TEXT    NOT NULL UNIQUE,
  name          TEXT    NOT NULL,
  address       TEXT,
  role          TEXT    NOT NULL CHECK (role IN ('customer', 'admin')),
  password_hash TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL
);
