"""Loopback eBay simulator (issue 11): see README.md (written with the simulator)."""
