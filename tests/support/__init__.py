"""Helpers the tests import (`from support.kafka import ...`); fixtures live in the conftest files."""
