-- Where an order is to be shipped (issue #17): given when the order is placed
-- (`shipping_address` of POST /api/v1/orders, optional) and carried by orders.order_placed.v2.
-- '' means not given, which is also what every order placed before this version has.
ALTER TABLE orders ADD COLUMN shipping_address TEXT NOT NULL DEFAULT '';
