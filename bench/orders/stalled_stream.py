#!/usr/bin/env python3
"""A console stream reader that never reads (issue #16): opens GET /api/v1/admin/events/stream
with a small receive buffer, sleeps for --seconds, then reads what is left and says whether the
server had closed the stream (it drops a reader that falls behind) and how many bytes it held."""
import argparse
import json
import socket
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token-file", required=True)
parser.add_argument("--seconds", type=float, required=True)
args = parser.parse_args()

token = open(args.token_file).read().strip()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", args.port))
s.sendall(f"GET /api/v1/admin/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          f"Authorization: Bearer {token}\r\n\r\n".encode())
time.sleep(args.seconds)
s.settimeout(2)
received = 0
closed_by_server = False
deadline = time.monotonic() + 3
try:
    while time.monotonic() < deadline:
        chunk = s.recv(1 << 16)
        if not chunk:
            closed_by_server = True
            break
        received += len(chunk)
except socket.timeout:
    pass
print(json.dumps({"closed_by_server": closed_by_server, "bytes_held": received}))
