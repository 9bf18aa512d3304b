"""What every loopback simulator does the same way: serve its HTTP server from a daemon thread, start
its background webhook sender when asked, stop both cleanly, work as a context manager."""

import threading


class LoopbackServing:
    """Mixin of a simulator with `host`, `port`, `webhook_mode`, `webhooks` (start_background /
    stop_background), `base_url`, `_server` and `_thread` (None until started); it builds its server in
    `_make_server()` and names its thread `thread_name`."""

    thread_name = "simulator"

    def _make_server(self):
        raise NotImplementedError

    def start(self):
        """Start serving; returns the base URL (the store's shop URL)."""
        if self._server is not None:
            return self.base_url
        self._server = self._make_server()
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        if self.webhook_mode == "background":
            self.webhooks.start_background()
        return self.base_url

    def stop(self):
        self.webhooks.stop_background()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
