"""Open-loop load generator for the webhook intake benchmark (standard library only, no Odoo).

Delivery slots are scheduled at a fixed rate whatever the server answers (open loop): slot ``i`` is
due at ``start + i / rate``. Latency is counted from that scheduled time, not from the moment the
request left, so a server that falls behind is charged for the queue it builds (no coordinated
omission). Requests are built before the clock starts (body, signature, headers as raw bytes) and
sent over keep-alive connections when the server offers them, so the generator stays cheap on a
machine whose cores it shares with the server.

Several processes can share the work: process ``k`` of ``K`` sends the slots ``i % K == k``, on a
common wall-clock start. Run as a script with a JSON spec file: it prints "ready" once its requests
are built, reads the start time (epoch seconds) on stdin, and writes a JSON result file.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import random
import resource
import sys
import time

# One slot in DUPLICATE_EVERY resends an earlier event (same id, same body): what a platform does
# when it did not see our answer in time. The intake must store it once and still answer 200.
DUPLICATE_EVERY = 50
DUPLICATE_OFFSET = 25
# How far back a duplicate reaches: half of them 1-3 slots (racing the original, still in flight),
# half up to DUPLICATE_REACH slots (a late retry of an event already stored).
DUPLICATE_REACH = 200

_FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus"]
_LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman"]
_PRODUCTS = [
    ("Organic cotton t-shirt", "TS-ORG"), ("Merino wool socks", "SK-MER"), ("Canvas tote bag", "BG-CNV"),
    ("Ceramic pour-over dripper", "CF-DRP"), ("Stainless steel water bottle", "WB-SST"),
    ("Recycled notebook A5", "NB-A5R"), ("Bamboo toothbrush (4 pack)", "TB-BMB"),
]


def slot_event(slot):
    """The event number a slot sends: its own, or an earlier slot's event for a duplicate."""
    while slot >= DUPLICATE_REACH and slot % DUPLICATE_EVERY == DUPLICATE_OFFSET:
        if (slot // DUPLICATE_EVERY) % 2:
            slot -= 1 + slot % 3
        else:
            slot -= 1 + (slot * 7919) % DUPLICATE_REACH
    return slot


def is_duplicate(slot):
    return slot_event(slot) != slot


def event_id(prefix, event):
    return f"{prefix}-{event:07d}"


def order_body(prefix, event):
    """A realistic order webhook body (2-4 KB of JSON, shaped like a Shopify orders/create)."""
    rnd = random.Random(event)
    first, last = rnd.choice(_FIRST_NAMES), rnd.choice(_LAST_NAMES)
    address = {
        "first_name": first, "last_name": last, "company": None,
        "address1": f"{rnd.randint(1, 999)} {rnd.choice(['Main', 'Oak', 'Station', 'Harbour'])} Street",
        "address2": rnd.choice(["", "Apt 4", "Floor 2"]), "city": rnd.choice(["Brussels", "Lyon", "Porto"]),
        "province": None, "country": "Belgium", "country_code": "BE", "zip": f"{rnd.randint(1000, 9999)}",
        "phone": f"+32 4{rnd.randint(10000000, 99999999)}",
    }
    lines, subtotal = [], 0.0
    for n in range(rnd.randint(2, 5)):
        title, sku = rnd.choice(_PRODUCTS)
        qty, price = rnd.randint(1, 3), round(rnd.uniform(4, 60), 2)
        subtotal += qty * price
        lines.append({
            "id": 9_000_000_000 + event * 10 + n, "variant_id": 40_000_000 + rnd.randint(1, 500),
            "product_id": 7_000_000 + rnd.randint(1, 200), "title": title,
            "variant_title": rnd.choice(["S", "M", "L"]),
            "sku": f"{sku}-{rnd.randint(1, 40):03d}", "quantity": qty, "price": f"{price:.2f}",
            "total_discount": "0.00", "taxable": True, "requires_shipping": True,
            "tax_lines": [{"title": "VAT", "rate": 0.21, "price": f"{qty * price * 0.21:.2f}"}],
            "properties": [{"name": "gift_wrap", "value": rnd.choice(["yes", "no"])}],
        })
    tax = round(subtotal * 0.21, 2)
    body = {
        "id": 5_000_000_000 + event, "admin_graphql_api_id": f"gid://shopify/Order/{5_000_000_000 + event}",
        "name": f"#{1000 + event}", "order_number": 1000 + event,
        "email": f"{first}.{last}@example.com".lower(),
        "created_at": "2024-05-01T10:00:00+02:00", "updated_at": "2024-05-01T10:00:01+02:00",
        "currency": "EUR", "financial_status": "paid", "fulfillment_status": None,
        "subtotal_price": f"{subtotal:.2f}", "total_tax": f"{tax:.2f}",
        "total_price": f"{subtotal + tax:.2f}",
        "total_discounts": "0.00", "taxes_included": False, "note": rnd.choice(["", "Leave at the door."]),
        "tags": "web, bench", "source_name": "web", "bench_event": event_id(prefix, event),
        "customer": {"id": 6_000_000 + rnd.randint(1, 5000), "email": f"{first}.{last}@example.com".lower(),
                     "first_name": first, "last_name": last, "orders_count": rnd.randint(1, 20)},
        "billing_address": address, "shipping_address": dict(address),
        "shipping_lines": [{"title": "Standard", "code": "STD", "price": "4.90", "source": "shopify"}],
        "client_details": {
            "browser_ip": f"203.0.113.{rnd.randint(1, 254)}", "accept_language": "en-BE,en;q=0.9",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        },
        "note_attributes": [{"name": "delivery_window", "value": rnd.choice(["morning", "afternoon"])}],
        "discount_codes": [], "payment_gateway_names": ["shopify_payments"],
        "line_items": lines,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def build_request(spec, slot):
    """The raw HTTP/1.1 request of a slot, signed like the test platform signs."""
    event = slot_event(slot)
    body = order_body(spec["prefix"], event)
    signature = base64.b64encode(hmac.new(spec["secret"].encode(), body, hashlib.sha256).digest()).decode()
    head = (
        f"POST {spec['path']} HTTP/1.1\r\n"
        f"Host: {spec['host']}:{spec['port']}\r\n"
        "User-Agent: store-connector-bench\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-Test-Signature: {signature}\r\n"
        f"X-Test-Event-Id: {event_id(spec['prefix'], event)}\r\n"
        "X-Test-Topic: orders/create\r\n"
        "\r\n"
    )
    return head.encode() + body


class Generator:
    def __init__(self, spec):
        self.spec = spec
        self.host, self.port = spec["host"], spec["port"]
        self.rate = float(spec["rate"])
        self.timeout = float(spec["timeout"])
        self.idle = []          # keep-alive connections ready for another request
        self.reconnects = 0     # stale keep-alive connections replaced before a response began
        self.connections_opened = 0
        self.in_flight = {}     # slot -> whether its request was written, while it runs

    async def _open(self):
        self.connections_opened += 1
        return await asyncio.open_connection(self.host, self.port)

    @staticmethod
    def _close(conn):
        try:
            conn[1].close()
        except Exception:  # noqa: BLE001 - closing a broken socket may fail: nothing to do
            pass

    async def _exchange(self, conn, data):
        """Send one request, read one response. :returns: (status, keep_alive)."""
        reader, writer = conn
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip().lower()
        length = headers.get("content-length")
        if length is not None:
            await reader.readexactly(int(length))
        else:
            await reader.read()  # the body ends with the connection
        keep = (version == "HTTP/1.1" and headers.get("connection") != "close" and length is not None)
        return int(status), keep

    async def send(self, slot, data, scheduled, sem, out):
        loop = asyncio.get_running_loop()
        async with sem:
            self.in_flight[slot] = False
            started = loop.time()
            status = None
            written = False  # whether the request reached a connection (the server may have it)
            deadline = started + self.timeout
            for _attempt in range(2):
                conn = self.idle.pop() if self.idle else None
                reused = conn is not None
                try:
                    if conn is None:
                        conn = await asyncio.wait_for(self._open(), max(deadline - loop.time(), 0.001))
                    written = self.in_flight[slot] = True
                    status, keep = await asyncio.wait_for(self._exchange(conn, data),
                                                          max(deadline - loop.time(), 0.001))
                    if keep:
                        self.idle.append(conn)
                    else:
                        self._close(conn)
                    break
                except TimeoutError:
                    if conn is not None:
                        self._close(conn)
                    status = "timeout" if written else "connect timeout"
                    break
                except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
                    if conn is not None:
                        self._close(conn)
                    # The server may close an idle keep-alive connection just as we reuse it.
                    if reused and not (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                        self.reconnects += 1
                        continue
                    status = "connection error"
                    break
            done = loop.time()
        del self.in_flight[slot]
        out.append((slot, status, scheduled, started, done, written))

    async def run(self):
        spec = self.spec
        loop = asyncio.get_running_loop()
        k, workers = spec["index"], spec["processes"]
        slots = range(k, spec["total_slots"], workers)
        requests = [(slot, build_request(spec, slot)) for slot in slots]
        body_bytes = [len(data.split(b"\r\n\r\n", 1)[1]) for _slot, data in requests]
        sem = asyncio.Semaphore(spec["concurrency"])
        out, tasks = [], []
        # Every process builds its requests first, then all start on one wall-clock time that the
        # caller sends once they are all ready; the schedule itself runs on the monotonic clock.
        print("ready", flush=True)
        start_at = float(sys.stdin.readline())
        t0 = loop.time() + (start_at - time.time())
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        for slot, data in requests:
            scheduled = t0 + slot / self.rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(loop.create_task(self.send(slot, data, scheduled, sem, out)))
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.timeout + 5)
            for task in pending:
                task.cancel()
        for conn in self.idle:
            self._close(conn)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        finished = {row[0] for row in out}
        # Unfinished when the time was up: still waiting for a free connection slot (the server
        # fell so far behind that they were never sent), or sent and cut off waiting for the answer.
        unfinished = [(slot, "no answer in time" if self.in_flight.get(slot) else "not sent",
                       t0 + slot / self.rate, None, None, bool(self.in_flight.get(slot)))
                      for slot, _data in requests if slot not in finished]
        return {
            "t0": t0,
            "results": out + unfinished,
            "cpu_seconds": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
            "wall_seconds": loop.time() - t0,
            "reconnects": self.reconnects,
            "connections_opened": self.connections_opened,
            "body_bytes": [min(body_bytes, default=0), max(body_bytes, default=0),
                           sum(body_bytes) / len(body_bytes) if body_bytes else 0],
        }


def main(spec_path, result_path):
    with open(spec_path) as f:
        spec = json.load(f)
    result = asyncio.run(Generator(spec).run())
    with open(result_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
