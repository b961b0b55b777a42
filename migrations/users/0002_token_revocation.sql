-- Ending tokens before they expire. token_generation is signed into every token ("gen"); a
-- password change, a promotion or a demotion raises it, which ends every older token of the
-- account. revoked_tokens holds the ids ("jti") of tokens ended one by one (a logout) until
-- they would have expired anyway (expires_at, seconds since the epoch).
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;

CREATE TABLE revoked_tokens (
  token_id   TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens(expires_at);
