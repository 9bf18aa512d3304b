"""A scripted loopback eBay for the client tests: routes (method, path) to answers and records every
request (RecordingServer). Not the simulator: just enough to see what the clients send."""

from urllib.parse import parse_qs, urlsplit

from odoo.addons.store_connector_base.tests.http_servers import RecordingServer


class FakeEbay:
    def __init__(self, case):
        self.routes = {}
        self.server = RecordingServer(self._respond)
        self.base = self.server.start()
        case.addCleanup(self.server.stop)

    def on(self, method, path, *answers):
        """Answer `method path` with `answers` in turn ((status, body) or (status, body, headers)),
        the last one repeating."""
        self.routes[(method, path)] = list(answers)
        return self

    def requests_to(self, path):
        return [request for request in self.server.requests if urlsplit(request["path"]).path == path]

    @staticmethod
    def query(request):
        return {key: values[0] for key, values in parse_qs(urlsplit(request["path"]).query).items()}

    @staticmethod
    def form(request):
        return {key: values[0] for key, values in parse_qs(request["body"].decode()).items()}

    def _respond(self, request):
        answers = self.routes.get((request["method"], urlsplit(request["path"]).path))
        if not answers:
            return 404, {}, {"errors": [{"errorId": 2002, "message": "Resource not found."}]}
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        status, body = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {}
        if isinstance(body, str):
            headers = {"Content-Type": "text/xml", **headers}
        return status, headers, body
