-- The catalogue. Deleted products are kept (soft delete) so old orders and events stay meaningful.
CREATE TABLE products (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  currency    TEXT    NOT NULL DEFAULT 'USD',
  sku         TEXT,
  in_stock    INTEGER NOT NULL DEFAULT 0,  -- products' own view, kept from inventory events
  deleted     INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT    NOT NULL,
  updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX products_sku_unique ON products(sku) WHERE sku IS NOT NULL AND deleted = 0;

-- Full-text index over name and description, kept in step by triggers (external content).
CREATE VIRTUAL TABLE products_fts USING fts5(
  name, description, content = 'products', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, name, description)
  VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name, description ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, name, description)
  VALUES ('delete', old.id, old.name, old.description);
  INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
