"""Loopback simulators of the platforms Store Connector talks to (tests, benchmarks, demo)."""
