-- Points earned per confirmed order; an order earns once (its id is the key).
CREATE TABLE loyalty_points (
  order_id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL,
  points INTEGER NOT NULL CHECK (points >= 0)
);
CREATE INDEX loyalty_points_by_user ON loyalty_points (user_id);
