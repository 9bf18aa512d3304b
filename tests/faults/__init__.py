"""The fault suite (scripts/faults): see README.md in this folder."""
