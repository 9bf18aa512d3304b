"""Fault injection shared by the simulators: the platform goes down the ways real platforms do.

A simulator that mixes in `OutageMixin` (after `LoopbackServing`) gets::

    sim.outage("429", seconds=60)                    # every API call answered HTTP 429, no Retry-After
    sim.outage("429", seconds=60, retry_after=5)     # ... with Retry-After: 5
    sim.outage("5xx", seconds=60)                    # HTTP 500/502/503/504 in turn
    sim.outage("5xx", seconds=60, burst=(3.0, 1.0))  # bursts: 3 s of 5xx, then 1 s answered normally...
    sim.outage("hang", seconds=90)                   # the request is read, then nothing is answered until
                                                     #   the phase ends; the connection is then closed
                                                     #   without an answer (make it longer than the client's
                                                     #   timeout: the client gives up first)
    sim.outage("refuse", seconds=30)                 # the listening socket is closed (connections refused),
                                                     #   open keep-alive connections are dropped; it listens
                                                     #   again on the same port afterwards
    sim.end_outage()                                 # back to normal now
    sim.outage_state()                               # {"mode", "seconds_left", "answered": {mode: count}}

Only the platform's API is affected: the simulator's control routes (`/__sim/...`) answer normally
(except in "refuse", where nothing listens). Each simulator gives the bodies of its platform's error
answers (`_outage_body(status)`).
"""

import threading
import time
from collections import Counter

MODES = ("429", "5xx", "hang", "refuse")
SERVER_ERRORS = (500, 502, 503, 504)


class OutageSwitch:
    """The current outage phase of one simulator, safe to read from every handler thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.mode = None
        self.started = self.until = 0.0
        self.retry_after = None
        self.burst = None
        self.answered = Counter()
        self._next_error = 0

    def set(self, mode, seconds, retry_after=None, burst=None):
        if mode not in MODES:
            raise ValueError(f"unknown outage mode {mode!r} (one of {', '.join(MODES)})")
        with self._lock:
            self.mode = mode
            self.started = time.monotonic()
            self.until = self.started + float(seconds)
            self.retry_after = retry_after
            self.burst = burst

    def clear(self):
        with self._lock:
            self.mode = None
            self.until = 0.0

    def current(self):
        """The mode in force now, or None (a phase ends by itself when its time is up)."""
        with self._lock:
            if self.mode and time.monotonic() >= self.until:
                self.mode = None
            return self.mode

    def seconds_left(self):
        with self._lock:
            return max(0.0, self.until - time.monotonic()) if self.mode else 0.0

    def decide(self):
        """What to do with a request arriving now: None (answer it normally), ("status", status,
        headers), ("hang", seconds) or ("drop",)."""
        mode = self.current()
        if mode is None:
            return None
        with self._lock:
            if mode == "5xx" and self.burst:
                failing, passing = self.burst
                if (time.monotonic() - self.started) % (failing + passing) >= failing:
                    return None
            self.answered[mode] += 1
            if mode == "429":
                headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
                return ("status", 429, headers)
            if mode == "5xx":
                status = SERVER_ERRORS[self._next_error % len(SERVER_ERRORS)]
                self._next_error += 1
                return ("status", status, {})
            if mode == "hang":
                return ("hang", max(0.0, self.until - time.monotonic()))
            return ("drop",)


class OutageMixin:
    """`outage()`, `end_outage()`, `outage_state()` for a LoopbackServing simulator (see the module
    docstring). Its HTTP handler calls `_outage_intercept(handler)` first on every request."""

    def _outage_switch(self):
        switch = getattr(self, "_outage", None)
        if switch is None:
            switch = self._outage = OutageSwitch()
        return switch

    def outage(self, mode, seconds, retry_after=None, burst=None):
        """Start an outage phase of `seconds` (see the module docstring); it replaces the current one.

        :param mode: "429", "5xx", "hang" or "refuse".
        :param retry_after: "429" only: the Retry-After header's seconds (None: no header).
        :param burst: "5xx" only: (seconds failing, seconds answering normally), repeated.
        """
        self._outage_switch().set(mode, seconds, retry_after=retry_after, burst=burst)
        if mode == "refuse":
            self._refuse_connections(float(seconds))

    def end_outage(self):
        """Answer normally from now on (a closed socket listens again at once)."""
        self._outage_switch().clear()
        resume = getattr(self, "_outage_resume", None)
        if resume is not None:
            resume.set()

    def outage_state(self):
        switch = self._outage_switch()
        return {"mode": switch.current(), "seconds_left": switch.seconds_left(),
                "answered": dict(switch.answered)}

    def _outage_body(self, status):
        """The platform's error answer `status`: (body: bytes or a JSON-serialisable value, headers)."""
        return {"errors": "Too Many Requests" if status == 429 else "Service Unavailable"}, {}

    def _outage_intercept(self, handler, path):
        """Called first by the simulator's handler: answers, hangs or drops the request when an outage
        phase says so. :returns: True when the request was dealt with (the handler returns)."""
        if path.startswith("/__sim/"):
            return False
        decision = self._outage_switch().decide()
        if decision is None:
            return False
        kind = decision[0]
        if kind == "status":
            _status, status, headers = decision
            length = int(handler.headers.get("Content-Length") or 0)
            if length:
                handler.rfile.read(length)  # the request is read whole, as a server does
            body, extra = self._outage_body(status)
            handler._send(status, body, {**extra, **headers})
            return True
        if kind == "hang":
            time.sleep(decision[1])
        # hang (once over) and refuse: no answer, the connection is closed.
        handler.close_connection = True
        return True

    def _refuse_connections(self, seconds):
        """Close the listening socket now; listen again on the same port after `seconds` (or at
        `end_outage`, or never when the simulator stops meanwhile)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        self._server = self._thread = None
        resume = self._outage_resume = threading.Event()

        def listen_again():
            resume.wait(seconds)
            if self._outage_resume is not resume or getattr(self, "_stopping", False):
                return
            self._outage_resume = None
            self._server = self._make_server()
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=self.thread_name, daemon=True)
            self._thread.start()

        threading.Thread(target=listen_again, name=f"{self.thread_name}-outage", daemon=True).start()

    def stop(self):
        self._stopping = True
        resume = getattr(self, "_outage_resume", None)
        self._outage_resume = None
        if resume is not None:
            resume.set()
        try:
            super().stop()
        finally:
            self._stopping = False
