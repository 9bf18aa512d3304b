"""Hostile requests for the intake and sync API tests (issue #12, fault 8): bodies that are not JSON,
cut short, not UTF-8, nested past what a parser survives, over the size limit (declared, chunked, or
neither), oversize headers, wrong content types. The same battery serves the platform addons' routes
and the fault suite (tests/faults/fault_hostile_input.py), which sends it to real servers at load.

No ORM and no Odoo import: the fault suite runs it outside Odoo.
"""

import json
import socket
import time
from urllib.parse import urlparse

# Python's json parser gives up (RecursionError) far below this: a 500 unless the route catches it.
DEEP_NESTING = 100_000

# name -> body (bytes). Each is refused by every route that reads JSON: 400 at a webhook (after its
# signature), 422 at the sync API.
MALFORMED_BODIES = {
    "malformed JSON": b'{"id": 1,, "order": }',
    "truncated JSON": b'{"id": 1, "order": {"id": "77", "lines": [{"sku": "A"',
    "invalid UTF-8": b'{"id": 1, "name": "\xff\xfe\xc3\x28"}',
    "deeply nested array": b"[" * DEEP_NESTING + b"]" * DEEP_NESTING,
    "deeply nested object": (b'{"id": 1, "order": ' + b'{"a": ' * DEEP_NESTING + b"1"
                             + b"}" * DEEP_NESTING + b"}"),
    "deeply nested, cut short": b'{"id": 1, "order": ' + b"[" * DEEP_NESTING,
    "empty": b"",
}


def deep_json(depth=DEEP_NESTING):
    """A JSON object nesting `depth` arrays (valid JSON, unparseable by Python's json)."""
    return b'{"id": 1, "x": ' + b"[" * depth + b"]" * depth + b"}"


def huge_header_value(size=60_000):
    """A header value just under the HTTP server's 64 KiB line limit (it answers 431 past it)."""
    return "h" * size


def padded_json(size):
    """A JSON object of exactly `size` bytes."""
    body = json.dumps({"id": 1, "pad": ""}).encode()
    return body[:-2] + b"x" * (size - len(body)) + b'"}'


def raw_request(base_url, raw, timeout=30, read_seconds=10):
    """Send `raw` bytes (a whole HTTP request, as written) to the server of `base_url` over a plain
    socket, and read the answer until the server closes or `read_seconds` pass.

    :returns: (status code or None when the server answered nothing, raw answer bytes).
    """
    address = urlparse(base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=timeout)
    answer = b""
    try:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + read_seconds
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            answer += data
            if _complete(answer):
                break
    finally:
        sock.close()
    status = None
    if answer.startswith(b"HTTP/"):
        try:
            status = int(answer.split(b" ", 2)[1])
        except (IndexError, ValueError):
            status = None
    return status, answer


def _complete(answer):
    """Whether `answer` holds a whole response with a Content-Length (the server may keep the
    connection open after it)."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(body) >= int(value.strip())
            except ValueError:
                return False
    return False


def http_request(method, path, headers, body=b"", chunked=False, content_length=True):
    """The bytes of one HTTP/1.1 request. `chunked`: the body in one chunk and the last one;
    `content_length=False` (and not chunked): a body with neither framing header."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    else:
        if content_length:
            lines.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
