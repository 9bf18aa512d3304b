"""The raw body of webhook and sync API requests (services/raw_body.py), read through public APIs
only, and the layering: models never import controllers (issue #9)."""

import ast
import io
import pathlib

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from odoo.http import HTTPRequest
from odoo.tests.common import BaseCase

from odoo.addons.store_connector_base.exceptions import WebhookRejected
from odoo.addons.store_connector_base.services.raw_body import (
    never_parse_as_form,
    read_raw_body,
    werkzeug_request,
)

ADDON = pathlib.Path(__file__).resolve().parent.parent
FORM = "application/x-www-form-urlencoded"


class ForwardingRequest:
    """A request wrapper that forwards werkzeug's attributes by name as Odoo's does, keeping the
    werkzeug request under a name of its own: code that reaches for Odoo's private attribute
    (`_HTTPRequest__wrapped`) finds nothing here."""

    def __init__(self, environ):
        self._hidden = Request(environ)

    def __getattr__(self, name):
        if name in ("stream", "_cached_data", "environ"):
            raise AttributeError(name)
        return getattr(self._hidden, name)


def chunked_environ(body, content_type=FORM):
    """A WSGI environ of a chunked request (no Content-Length), as werkzeug's server makes it."""
    environ = EnvironBuilder(method="POST", data=b"", content_type=content_type).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input_terminated"] = True
    return environ


class TestRawBody(BaseCase):
    def test_odoo_request_body_read_once_and_kept_for_the_form_parser(self):
        body = b"webhook_id=42&a=1"
        request = HTTPRequest(EnvironBuilder(method="POST", data=body, content_type=FORM).get_environ())
        self.assertEqual(read_raw_body(request, 1024), body)
        # a second read (the controller after ir.http, a retried request) gets the same bytes
        self.assertEqual(read_raw_body(request, 1024), body)
        self.assertEqual(request.get_data(), body)
        self.assertEqual(request.form.get("webhook_id"), "42", "the form parser reads the kept copy")

    def test_chunked_body_is_read_bounded(self):
        small = HTTPRequest(chunked_environ(b"x" * 100))
        self.assertEqual(read_raw_body(small, 100), b"x" * 100)
        stream = io.BytesIO(b"y" * 10_000)
        environ = chunked_environ(b"")
        environ["wsgi.input"] = stream
        with self.assertRaises(WebhookRejected) as caught:
            read_raw_body(HTTPRequest(environ), 100)
        self.assertEqual(caught.exception.status, 413)
        self.assertEqual(stream.tell(), 101, "the rest of an oversize body is never read")

    def test_content_length_over_the_limit_is_refused_unread(self):
        environ = EnvironBuilder(method="POST", data=b"z" * 500, content_type=FORM).get_environ()
        with self.assertRaises(WebhookRejected) as caught:
            read_raw_body(HTTPRequest(environ), 100)
        self.assertEqual(caught.exception.status, 413)
        self.assertEqual(environ["wsgi.input"].tell(), 0)

    def test_works_without_odoo_private_attribute(self):
        """Any wrapper that forwards werkzeug's methods will do: nothing relies on the name Odoo
        gives the werkzeug request it wraps."""
        body = b"a=1&b=2"
        wrapper = ForwardingRequest(chunked_environ(body))
        self.assertFalse(hasattr(wrapper, "_HTTPRequest__wrapped"))
        self.assertIs(werkzeug_request(wrapper), wrapper._hidden)
        self.assertEqual(read_raw_body(wrapper, 1024), body)
        self.assertEqual(read_raw_body(wrapper, 1024), body)
        never_parse_as_form(wrapper)
        self.assertEqual(dict(wrapper.form), {}, "the sync API never parses its body as a form")
        self.assertEqual(wrapper.get_data(), body)

    def test_no_source_relies_on_odoo_request_private_attribute(self):
        offenders = [str(path.relative_to(ADDON)) for path in ADDON.rglob("*.py")
                     if path.name != "test_raw_body.py" and "_HTTPRequest__" in path.read_text()]
        self.assertEqual(offenders, [])

    def test_models_do_not_import_controllers(self):
        """Models and services are below controllers: they share code through services only."""
        offenders = []
        for folder in ("models", "services"):
            for path in (ADDON / folder).glob("*.py"):
                for node in ast.walk(ast.parse(path.read_text())):
                    if not isinstance(node, ast.ImportFrom | ast.Import):
                        continue
                    names = [alias.name for alias in node.names]
                    if isinstance(node, ast.ImportFrom):
                        names.append(node.module or "")
                    if any("controllers" in name.split(".") for name in names):
                        offenders.append(f"{folder}/{path.name}")
        self.assertEqual(offenders, [])
