#!/usr/bin/env python3
"""Places an order through Mart's HTTP API and waits for it to be confirmed, as a shopper and an
admin would: the admin adds a product and stocks it, a customer signs up and orders it. Used by
make test-deploy against containers (tests/deploy/), so it needs nothing but the standard library.

  shop.py order BASE_URL ADMIN_EMAIL ADMIN_PASSWORD    prints the confirmed order as JSON
  shop.py read  BASE_URL ADMIN_EMAIL ADMIN_PASSWORD ID prints order ID as JSON (e.g. after a restart)
"""
import json
import sys
import time
import urllib.error
import urllib.request
import uuid


def call(base, method, path, body=None, token=None, expect=(200, 201)):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status not in expect:
        raise RuntimeError(f"{method} {path}: {status} {text}")
    return status, (json.loads(text) if text else None)


def login(base, email, password):
    return call(base, "POST", "/api/v1/auth/login", {"email": email, "password": password})[1][
        "access_token"
    ]


def until(what, attempt, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = attempt()
            if result is not None:
                return result
        except RuntimeError as error:
            last = error
        else:
            last = "not yet"
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {seconds} s: {last}")
        time.sleep(0.5)


def place_order(base, admin_email, admin_password):
    admin = login(base, admin_email, admin_password)
    suffix = uuid.uuid4().hex[:10]
    product = call(base, "POST", "/api/v1/products",
                   {"name": f"Deploy test kettle {suffix}", "description": "Boils water",
                    "price_cents": 2599, "sku": f"DT-{suffix}"}, admin)[1]
    # Inventory learns of the product from its event, a moment after the 201 (across processes
    # in split mode): retry the stocking while it answers 404.
    until("inventory knows the product",
          lambda: call(base, "POST", f"/api/v1/inventory/{product['id']}/adjustments",
                       {"delta": 5, "reason": "restock"}, admin)[1])
    email, password = f"shopper-{suffix}@example.com", "correct-horse-battery"
    call(base, "POST", "/api/v1/users", {"email": email, "password": password, "name": "Shopper"})
    customer = until("the new customer can sign in", lambda: login(base, email, password))
    order = call(base, "POST", "/api/v1/orders",
                 {"items": [{"product_id": product["id"], "quantity": 2}],
                  "payment_token": "tok_deploy_test"}, customer)[1]

    def confirmed():
        current = call(base, "GET", f"/api/v1/orders/{order['id']}", token=customer)[1]
        if current["status"] in ("cancelled", "failed"):
            raise SystemExit(f"order {order['id']} ended {current['status']}: {current}")
        return current if current["status"] == "confirmed" else None

    result = until(f"order {order['id']} confirmed", confirmed)
    notified = until("the customer is notified",
                     lambda: call(base, "GET", "/api/v1/notifications", token=customer)[1]
                     .get("items") or None)
    result["notifications"] = len(notified)
    return result


def main(argv):
    if len(argv) < 5 or argv[1] not in ("order", "read"):
        print(__doc__, file=sys.stderr)
        return 2
    base, email, password = argv[2].rstrip("/"), argv[3], argv[4]
    if argv[1] == "order":
        print(json.dumps(place_order(base, email, password)))
    else:
        admin = login(base, email, password)
        print(json.dumps(call(base, "GET", f"/api/v1/orders/{argv[5]}", token=admin)[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
