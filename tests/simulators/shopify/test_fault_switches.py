"""The Shopify simulator's fault switches, used by the fault suite (tests/faults); plain pytest, no Odoo."""

import threading
import time

import pytest

from .simulator import ShopifySimulator
from .test_simulator import SET_QUANTITIES, TOKEN, _set_input, gql


@pytest.fixture
def sim():
    simulator = ShopifySimulator(access_token=TOKEN, require_published_schemas=True)
    simulator.start()
    yield simulator
    simulator.release_answers()
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors
    assert not simulator.schema_violations, simulator.schema_violations


def test_delay_answers_holds_the_answer_after_the_change_is_applied(sim):
    """The shop applied the change; the client hears of it only when the hold ends (or is released)."""
    sim.add_product("Mug", variants=[{"sku": "MUG", "inventory": 5}])
    sim.delay_answers(30, operation="inventorySetQuantities")
    answers = []
    call = threading.Thread(target=lambda: answers.append(
        gql(sim, SET_QUANTITIES, {"input": _set_input(sim, "MUG", 8, 5), "key": "k-1"})))
    started = time.monotonic()
    call.start()
    deadline = time.monotonic() + 10
    while not sim.delayed_answers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.delayed_answers, "the mutation's answer was not held"
    assert sim.inventory("MUG") == 8          # applied before the answer
    assert not answers                         # ... which is still held
    # Other operations are not held.
    assert gql(sim, "{ shop { name } }")["data"]["shop"]["name"]
    sim.release_answers()
    call.join(10)
    assert answers and answers[0]["data"]["inventorySetQuantities"]["userErrors"] == []
    assert time.monotonic() - started < 10
    # A retry with the same key is replayed, not applied again.
    replay = gql(sim, SET_QUANTITIES, {"input": _set_input(sim, "MUG", 8, 5), "key": "k-1"})
    assert replay["data"]["inventorySetQuantities"]["userErrors"] == []
    assert sim.stats["idempotent_replays"] == 1 and sim.inventory("MUG") == 8


def test_delay_answers_ends_by_itself(sim):
    sim.delay_answers(0.3)
    started = time.monotonic()
    assert gql(sim, "{ shop { name } }")["data"]["shop"]["name"]
    assert 0.3 <= time.monotonic() - started < 5
    assert len(sim.delayed_answers) == 1
