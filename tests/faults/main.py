"""Store Connector fault suite: real odoo-bin servers and the platform simulators on loopback, one
fault injected at a time under load, one row per fault. Exits 1 when anything is lost or run twice, a
fault's own check failed, a fault crashed, or a fault's module is not built yet.

Run through `scripts/faults` (or `make faults ARGS=...`), which prepares Odoo and its Python first.
"""

import argparse
import importlib
import os
import sys
import time
import traceback

from tests.faults.harness import STATE_DIR, Context, Row, Suite, format_table, leftover_files, log

# The list, in order (module names under tests/faults/).
FAULT_MODULES = [
    "fault_kill_worker",
    "fault_long_job",
    "fault_two_servers",
    "fault_platform_outage",
    "fault_credentials_revoked",
    "fault_postgres_restart",
    "fault_webhook_storm",
    "fault_hostile_input",
]


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/faults", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--short", action="store_true",
                   help="the CI form: every fault, same checks, smaller load (a few minutes)")
    p.add_argument("--only", help="run these faults (comma-separated module names, with or without "
                                  "the fault_ prefix): " + ", ".join(FAULT_MODULES))
    p.add_argument("--keep", action="store_true",
                   help="leave the private PostgreSQL running and its logs in .local/faults for inspection")
    p.add_argument("--fresh", action="store_true",
                   help="build the private PostgreSQL and its template database anew (by default a stopped "
                        "instance of an earlier run is reused when its template was built from the same "
                        "addons)")
    args = p.parse_args(argv)
    names = FAULT_MODULES
    if args.only:
        names = []
        for name in args.only.split(","):
            name = name.strip()
            name = name if name.startswith("fault_") else f"fault_{name}"
            if name not in FAULT_MODULES:
                p.error(f"unknown fault {name!r}; the faults are: {', '.join(FAULT_MODULES)}")
            names.append(name)
    args.faults = names
    return args


def load(name):
    """The fault's module, or None when it is not built yet."""
    try:
        return importlib.import_module(f"tests.faults.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"tests.faults.{name}":
            return None
        raise


def run_fault(suite, name, short):
    try:
        module = load(name)
    except Exception:  # noqa: BLE001 - a broken module is a failed row, the others still run
        return Row(fault=name, problems=[f"the module does not import: {traceback.format_exc(limit=3)}"])
    if module is None:
        return Row(fault=name, problems=[f"not built: tests/faults/{name}.py does not exist yet"])
    title = getattr(module, "TITLE", name)
    ctx = Context(suite, name.removeprefix("fault_"), short)
    started = time.monotonic()
    log(f"=== {title}")
    try:
        row = module.run(ctx)
        if not isinstance(row, Row):
            row = Row(fault=title, problems=[f"run() returned {row!r}, not a Row"])
    except Exception:  # noqa: BLE001 - a crashed fault is a failed row, the others still run
        text = traceback.format_exc()
        log(text)
        row = Row(fault=title, problems=[f"the fault crashed: {text.strip().splitlines()[-1]}"])
    finally:
        ctx.close()
    row.seconds = time.monotonic() - started
    log(f"{title}: {'PASS' if row.passed else 'FAIL'} in {row.seconds:.0f} s")
    return row


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.makedirs(STATE_DIR, exist_ok=True)
    for path in leftover_files():
        if os.path.isfile(path):
            os.unlink(path)
    suite = Suite(keep=args.keep, fresh=args.fresh)
    started = time.monotonic()
    rows = []
    try:
        suite.start()
        for name in args.faults:
            rows.append(run_fault(suite, name, args.short))
    finally:
        suite.stop()
    form = "short form" if args.short else "full form"
    text = (f"Store Connector fault suite ({form}, {len(rows)} faults, {time.monotonic() - started:.0f} s "
            f"including the template database, {os.cpu_count()} CPUs)\n\n{format_table(rows)}\n")
    failed = [row for row in rows if not row.passed]
    text += ("\nEVERY FAULT PASSED: nothing lost, nothing run twice.\n" if not failed else
             f"\n{len(failed)} FAULT(S) FAILED: " + ", ".join(row.fault for row in failed) + "\n")
    # The closing line CI reads, as a test runner's.
    text += f"faults: {len(rows) - len(failed)} passed, {len(failed)} failed\n"
    print(text, flush=True)
    with open(os.path.join(STATE_DIR, "last-run.txt"), "w") as f:
        f.write(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
