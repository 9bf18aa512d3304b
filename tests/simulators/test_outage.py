"""The simulators' outage switch (outage.py) and the Shopify token rotation (plain pytest, no Odoo)."""

import time

import pytest
import requests

from .shopify.simulator import ShopifySimulator
from .woocommerce.simulator import WooCommerceSimulator

TOKEN = "shpat_outage_test_token"
CK = "ck_outage_test_key_12345"
CS = "cs_outage_test_secret_12345"
QUERY = {"query": "{ shop { name } }"}


@pytest.fixture
def shopify():
    sim = ShopifySimulator(access_token=TOKEN, client_secret="outage-secret", require_published_schemas=False)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def woo():
    sim = WooCommerceSimulator(consumer_key=CK, consumer_secret=CS, assume_ssl=True)
    sim.start()
    yield sim
    sim.stop()


def shop_call(sim, token=TOKEN, timeout=5):
    return requests.post(sim.graphql_url("2026-07"), json=QUERY, timeout=timeout,
                         headers={"X-Shopify-Access-Token": token})


def woo_call(sim, timeout=5):
    return requests.get(sim.api_url + "/system_status", auth=(CK, CS), timeout=timeout)


def test_429_with_and_without_retry_after_then_back_to_normal(shopify):
    assert shop_call(shopify).status_code == 200
    shopify.outage("429", seconds=30)
    answer = shop_call(shopify)
    assert answer.status_code == 429 and "Retry-After" not in answer.headers
    assert "Reduce request rates" in answer.json()["errors"]
    shopify.outage("429", seconds=30, retry_after=7)
    answer = shop_call(shopify)
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
    # The control routes are not the platform's API: they answer.
    assert requests.get(shopify.base_url + "/__sim/health", timeout=5).status_code == 200
    shopify.end_outage()
    assert shop_call(shopify).status_code == 200
    assert shopify.outage_state()["answered"] == {"429": 2}


def test_a_phase_ends_by_itself(woo):
    woo.outage("5xx", seconds=0.3)
    assert woo_call(woo).status_code == 500
    time.sleep(0.4)
    assert woo_call(woo).status_code == 200
    assert woo.outage_state()["mode"] is None


def test_5xx_in_turn_and_in_bursts(woo):
    woo.outage("5xx", seconds=30)
    answers = [woo_call(woo) for _index in range(4)]
    assert [answer.status_code for answer in answers] == [500, 502, 503, 504]
    # A WooCommerce host's error page is the web server's HTML, not the REST API's JSON.
    assert answers[2].headers["Content-Type"].startswith("text/html")
    assert "503 Service Temporarily Unavailable" in answers[2].text
    woo.outage("5xx", seconds=30, burst=(0.3, 0.3))
    assert woo_call(woo).status_code >= 500
    time.sleep(0.35)
    assert woo_call(woo).status_code == 200
    time.sleep(0.3)
    assert woo_call(woo).status_code >= 500


def test_hang_outlasts_the_client_timeout_then_closes_without_an_answer(shopify):
    shopify.outage("hang", seconds=1.5)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        shop_call(shopify, timeout=0.5)
    assert time.monotonic() - started < 1.2
    # A client that waits longer sees the connection closed without an answer when the phase ends.
    shopify.outage("hang", seconds=0.5)
    with pytest.raises(requests.ConnectionError):
        shop_call(shopify, timeout=5)
    assert shop_call(shopify).status_code == 200


def test_refuse_closes_the_socket_and_drops_kept_alive_connections(woo):
    session = requests.Session()
    assert session.get(woo.api_url + "/system_status", auth=(CK, CS), timeout=5).status_code == 200
    port = woo.port
    woo.outage("refuse", seconds=0.8)
    with pytest.raises(requests.ConnectionError):
        session.get(woo.api_url + "/system_status", auth=(CK, CS), timeout=5)
    with pytest.raises(requests.ConnectionError):
        woo_call(woo)
    time.sleep(1.0)
    assert woo.port == port
    assert woo_call(woo).status_code == 200


def test_end_outage_listens_again_at_once_and_stop_during_refuse_is_clean(shopify):
    shopify.outage("refuse", seconds=60)
    with pytest.raises(requests.ConnectionError):
        shop_call(shopify)
    shopify.end_outage()
    deadline = time.monotonic() + 5
    while True:
        try:
            assert shop_call(shopify).status_code == 200
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    shopify.outage("refuse", seconds=60)
    shopify.stop()  # nothing hangs, nothing listens again
    time.sleep(0.1)
    with pytest.raises(requests.ConnectionError):
        shop_call(shopify)


def test_unknown_mode_is_refused(shopify):
    with pytest.raises(ValueError):
        shopify.outage("flood", seconds=1)


def test_rotating_the_access_token_refuses_the_old_one(shopify):
    new = shopify.rotate_access_token()
    answer = shop_call(shopify)
    assert answer.status_code == 401
    assert "Invalid API key or access token" in answer.json()["errors"]
    assert shop_call(shopify, token=new).status_code == 200
    assert shopify.rotate_access_token("shpat_chosen") == "shpat_chosen"
    assert shop_call(shopify, token="shpat_chosen").status_code == 200
