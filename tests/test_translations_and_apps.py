"""Language and polish (issue #13): the suite's strings reach Odoo's translation files, the Arabic
translation keeps every placeholder, and the Apps list shows the merchant's addons, never the test one.
Plain unittest cases over the repository's files (no Odoo needed)."""

import ast
import io
import re
import tokenize
import unittest
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parents[1]
MERCHANT_ADDONS = ["store_connector_base", "store_connector_shopify", "store_connector_woocommerce",
                   "store_connector_ebay"]
TEST_PLATFORM = REPO / "tests" / "addons" / "store_connector_test_platform"
# Placeholders a translation must keep exactly: %(name)s, %s, %d, {value}, and markup tags.
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdfr]|%[sdfr]|\{[a-z_0-9]*\}|</?[a-z][a-z0-9]*")


def _manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text())


def _fstrings_inside_translation_calls(source):
    """(line, text) of every f-string among the arguments of _(), _lt() or env._(). Odoo's string
    extractor (babel) evaluates each string token of the call and gives up on the WHOLE file at an
    f-string argument: none of that file's sentences would reach the .pot, so none could be translated."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    found = []
    for index, token in enumerate(tokens[:-1]):
        is_call = token.type == tokenize.NAME and tokens[index + 1].string == "("
        if not (is_call and token.string in ("_", "_lt")):
            continue
        depth = 0
        for inner in tokens[index + 1:]:
            if inner.string in ("(", "[", "{"):
                depth += 1
            elif inner.string in (")", "]", "}"):
                depth -= 1
            # Babel reads the call's own arguments only, not strings nested in another call.
            elif depth == 1 and inner.type == tokenize.STRING and inner.string.lstrip("rRbB")[:1] in "fF":
                found.append((inner.start[0], inner.string))
            if depth == 0:
                break
    return found


def _translations_nested_in_calls(source):
    """Lines of the _() / _lt() calls found inside another call among a translation call's
    arguments, as in _("%(n)s read", n=count_text(n, _("1 order"), _("%(count)s orders"))). Babel reads
    a translation call's own arguments, so the inner messages never reach the .pot: they stay English."""
    def is_translation(node):
        return isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "_lt")

    def nested(node, inside_call):
        for child in ast.iter_child_nodes(node):
            if is_translation(child) and inside_call:
                yield child.lineno
            yield from nested(child, inside_call or isinstance(child, ast.Call))

    found = []
    for node in ast.walk(ast.parse(source)):
        if is_translation(node):
            for argument in list(node.args[1:]) + [keyword.value for keyword in node.keywords]:
                if is_translation(argument):
                    continue
                found.extend(nested(argument, isinstance(argument, ast.Call)))
    return sorted(set(found))


class TestTranslatableSource(unittest.TestCase):
    def test_no_fstring_inside_a_translation_call(self):
        offenders = []
        for addon in MERCHANT_ADDONS:
            for path in sorted((REPO / "addons" / addon).rglob("*.py")):
                if "/tests/" in str(path):
                    continue
                for line, text in _fstrings_inside_translation_calls(path.read_text()):
                    offenders.append(f"{path.relative_to(REPO)}:{line} {text}")
        self.assertEqual(offenders, [], "Odoo's exporter skips these files' strings: build the value first")

    def test_the_check_finds_an_fstring_argument(self):
        source = (
            'x = _("Sent %(n)s.%(hint)s", n=1, hint=f" {hint}")\n'
            'y = _("Plain %(a)s", a=", ".join(f"{s}" for s in a))\n'
        )
        self.assertEqual(_fstrings_inside_translation_calls(source), [(1, 'f" {hint}"')])


    def test_no_translation_call_nested_in_another_call_of_a_translation(self):
        offenders = []
        for addon in MERCHANT_ADDONS:
            for path in sorted((REPO / "addons" / addon).rglob("*.py")):
                if "/tests/" in str(path):
                    continue
                offenders += [f"{path.relative_to(REPO)}:{line}"
                              for line in _translations_nested_in_calls(path.read_text())]
        self.assertEqual(offenders, [], "these messages never reach the .pot: translate them before the call")

    def test_the_nesting_check_finds_a_message_inside_a_helper_call(self):
        source = (
            'a = _("%(n)s read", n=count_text(n, _("1 order"), _("%(count)s orders")))\n'
            'b = _("%(what)s", what=_("direct"))\n'
            'c = _("%(what)s", what=str(_lt("wrapped")))\n'
        )
        self.assertEqual(_translations_nested_in_calls(source), [1, 3])


class TestArabicTranslation(unittest.TestCase):
    def test_every_merchant_addon_ships_a_template_and_an_arabic_translation(self):
        for addon in MERCHANT_ADDONS:
            i18n = REPO / "addons" / addon / "i18n"
            self.assertTrue((i18n / f"{addon}.pot").is_file(), addon)
            self.assertTrue((i18n / "ar.po").is_file(), addon)
            translated = polib.pofile(str(i18n / "ar.po")).translated_entries()
            self.assertTrue(translated, f"{addon}: ar.po translates nothing")

    def test_arabic_keeps_every_placeholder(self):
        broken = []
        for addon in MERCHANT_ADDONS:
            for entry in polib.pofile(str(REPO / "addons" / addon / "i18n" / "ar.po")).translated_entries():
                if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
                    broken.append(f"{addon}: {entry.msgid[:60]!r} -> {entry.msgstr[:60]!r}")
        self.assertEqual(broken, [])

    def test_arabic_has_no_fuzzy_entry(self):
        # Odoo loads a fuzzy entry like any other: an unchecked guess would reach the screen.
        for addon in MERCHANT_ADDONS:
            po = polib.pofile(str(REPO / "addons" / addon / "i18n" / "ar.po"))
            fuzzy = [entry.msgid for entry in po if entry.fuzzy]
            self.assertEqual(fuzzy, [], addon)


class TestAppsList(unittest.TestCase):
    def test_merchant_addons_have_an_icon_a_description_and_are_applications(self):
        for addon in MERCHANT_ADDONS:
            addon_dir = REPO / "addons" / addon
            manifest = _manifest(addon_dir)
            self.assertTrue(manifest.get("application"), addon)
            self.assertTrue(manifest.get("summary"), addon)
            self.assertEqual(manifest.get("category"), "Connector", addon)
            icon = addon_dir / "static" / "description" / "icon.png"
            self.assertEqual(icon.read_bytes()[:8], b"\x89PNG\r\n\x1a\n", addon)
            self.assertIn("<h2", (addon_dir / "static" / "description" / "index.html").read_text(), addon)

    def test_platform_icons_are_distinct(self):
        icons = {(REPO / "addons" / a / "static/description/icon.png").read_bytes() for a in MERCHANT_ADDONS}
        self.assertEqual(len(icons), len(MERCHANT_ADDONS))

    def test_test_platform_is_hidden_and_never_an_application(self):
        manifest = _manifest(TEST_PLATFORM)
        self.assertTrue(manifest["category"].startswith("Hidden"))
        self.assertFalse(manifest.get("application", False))

    def test_test_platform_stays_out_of_what_a_merchant_runs(self):
        # The demo, the development server, the translation export and the sample production config
        # never put tests/addons on the addons path: the test platform cannot be listed or installed there.
        for name in ("scripts/run", "scripts/demo", "scripts/i18n", "scripts/lib.sh", "odoo.conf.example"):
            text = (REPO / name).read_text()
            self.assertNotRegex(text, r"addons_path\s*=.*tests/addons", name)
            self.assertNotRegex(text, r"SC_ADDONS_PATH=.*tests/addons", name)
        # The template database is built with the tests' path, so its copies list the addon: a
        # database served without tests/addons drops that entry (scripts/lib.sh, ensure_db).
        lib = (REPO / "scripts/lib.sh").read_text()
        ensure_db = lib[lib.index("ensure_db() {"):]
        self.assertIn("forget_test_platform", ensure_db)
