"""Which Stripe the shop talks to (helpers.shop.modes): the same code, other keys and addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
import stripe
from shop_support import page_token_of

from helpers.backend import KeyConfigError, LiveKeyError
from helpers.shop.db import Database
from helpers.shop.modes import SetupError, from_environment, offline

TEST_KEYS = {"STRIPE_SECRET_KEY": "sk_test_" + "k" * 24,
             "STRIPE_PUBLISHABLE_KEY": "pk_test_" + "k" * 24}


@pytest.fixture
def no_dotenv(tmp_path: Path) -> Path:
    return tmp_path / "no.env"  # does not exist: only the environ given counts


def test_test_keys_select_test_mode_with_stripe_js_from_stripe(no_dotenv: Path,
                                                               tmp_path: Path) -> None:
    mode = from_environment(tmp_path / "unused.sqlite3", dotenv=no_dotenv,
                            environ={**TEST_KEYS, "STRIPE_WEBHOOK_SECRET": "whsec_" + "cli"})
    assert mode.name == "stripe" and mode.emulator is None
    assert mode.stripe_js_url == "https://js.stripe.com/v3/"
    assert mode.api_base == stripe.DEFAULT_API_BASE
    assert mode.publishable_key == TEST_KEYS["STRIPE_PUBLISHABLE_KEY"]
    assert mode.webhook_secret == "whsec_" + "cli"
    assert not (tmp_path / "unused.sqlite3").exists()  # no emulator was started


def test_test_mode_reads_the_webhook_secret_from_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("STRIPE_WEBHOOK_SECRET=" + "whsec_" + "from_dotenv\n")
    mode = from_environment(tmp_path / "unused.sqlite3", dotenv=dotenv, environ=TEST_KEYS)
    assert mode.webhook_secret == "whsec_" + "from_dotenv"


def test_test_mode_without_a_webhook_secret_says_how_to_get_one(no_dotenv: Path,
                                                                tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="stripe listen --forward-to"):
        from_environment(tmp_path / "x.sqlite3", dotenv=no_dotenv, environ=TEST_KEYS)


@pytest.mark.parametrize("environ,error", [
    ({"STRIPE_SECRET_KEY": "sk_live_" + "k" * 24, "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "k" * 24},
     LiveKeyError),
    ({"STRIPE_SECRET_KEY": "sk_test_" + "k" * 24}, KeyConfigError),
])
def test_live_or_half_keys_are_refused(no_dotenv: Path, tmp_path: Path, environ: dict,
                                       error: type) -> None:
    with pytest.raises(error):
        from_environment(tmp_path / "x.sqlite3", dotenv=no_dotenv, environ=environ)


def test_offline_keeps_one_endpoint_across_restarts(tmp_path: Path) -> None:
    """The endpoint outlives the shop (its pending retries with it): a restart reuses it, a
    move updates its URL, and only an endpoint that is gone is made again."""
    shop_db = Database(tmp_path / "shop.sqlite3")
    url = "http://127.0.0.1:9/webhook"
    mode = offline(tmp_path / "emulator.sqlite3")
    try:
        assert mode.name == "emulator"
        assert mode.stripe_js_url == f"{mode.api_base}/js.stripe.com/v3/"
        client = mode.stripe_client
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})  # a leftover
        secret = mode.register_webhook(url, shop_db)
        assert secret.startswith("whsec_")
        endpoints = client.v1.webhook_endpoints.list().data
        assert [e.url for e in endpoints] == [url]  # the leftover is gone
        kept = endpoints[0].id
        assert sorted(endpoints[0].enabled_events) == [
            "payment_intent.payment_failed", "payment_intent.processing",
            "payment_intent.succeeded"]
    finally:
        mode.close()
    again = offline(tmp_path / "emulator.sqlite3")  # the restart: a new emulator process
    try:
        client = again.stripe_client
        assert [e.id for e in client.v1.webhook_endpoints.list().data] == [kept]  # not deleted
        assert again.register_webhook(url, shop_db) == secret  # reused, with its secret
        moved = "http://127.0.0.1:10/webhook"  # the shop came back on another port
        assert again.register_webhook(moved, shop_db) == secret
        assert [(e.id, e.url) for e in client.v1.webhook_endpoints.list().data] == [
            (kept, moved)]
        client.v1.webhook_endpoints.update(kept, {"disabled": True})  # by hand, say
        assert again.register_webhook(moved, shop_db) == secret
        assert client.v1.webhook_endpoints.retrieve(kept).status == "enabled"
        client.v1.webhook_endpoints.delete(kept)  # deleted by hand: made again, and stored
        renewed = again.register_webhook(moved, shop_db)
        assert renewed != secret and again.register_webhook(moved, shop_db) == renewed
        shop_db.run("UPDATE webhook_endpoint SET marker='not-ours'")  # an id someone reused
        assert again.register_webhook(moved, shop_db) not in (secret, renewed)
        assert len(client.v1.webhook_endpoints.list().data) == 1
    finally:
        again.close()
        shop_db.close()


def test_test_mode_end_to_end_against_a_served_emulator(tmp_path: Path,
                                                        no_dotenv: Path) -> None:
    """Test mode's code path (keys from the environment, stripe-python's own HTTP client behind
    the live-key guard), with KIT_STRIPE_API_BASE pointing it at an emulator as the live tier
    does: the checkout works, and the page loads Stripe.js from js.stripe.com."""
    from helpers.emulator import DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY
    from helpers.shop import create_app
    from helpers.shop.local_emulator import LocalEmulator

    served = LocalEmulator(tmp_path / "emulator.sqlite3")
    try:
        mode = from_environment(tmp_path / "unused.sqlite3", dotenv=no_dotenv, environ={
            "STRIPE_SECRET_KEY": DEFAULT_SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": DEFAULT_PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "cli", "KIT_STRIPE_API_BASE": served.start()})
        app = create_app(stripe_client=mode.stripe_client, publishable_key=mode.publishable_key,
                         webhook_secret=mode.webhook_secret, db=tmp_path / "shop.sqlite3",
                         stripe_js_url=mode.stripe_js_url, mode=mode.name)
        browser = app.test_client()
        browser.post("/login", data={"user": "jenny", "csrf_token": page_token_of(browser)})
        assert '<script src="https://js.stripe.com/v3/"></script>' in browser.get("/").text
        answer = browser.post("/create-intent-and-customer-session",
                              headers={"X-CSRFToken": page_token_of(browser)})
        assert answer.status_code == 200, answer.text
        assert answer.get_json()["client_secret"].startswith("pi_")
        assert not (tmp_path / "unused.sqlite3").exists()
    finally:
        served.stop()


def test_start_serves_from_a_thread_until_stopped(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """What a notebook does: `start()`, use the URL, `stop()`; its webhook endpoint stays for
    the next start, which uses it again."""
    import json
    import urllib.error
    import urllib.request

    from helpers.emulator import Emulator
    from helpers.shop import start

    def endpoints() -> list[tuple[str, str]]:
        emulator = Emulator(tmp_path / "shop-emulator.sqlite3", deterministic=False)
        try:
            listed = emulator.request("GET", "/v1/webhook_endpoints", {},
                                      "sk_test_emulator_default")
            return [(e["id"], e["url"]) for e in listed.body["data"]]
        finally:
            emulator.store.close()

    monkeypatch.setenv("KIT_BACKEND", "emulator")
    shop = start(port=0, db=tmp_path / "shop.sqlite3")
    with shop:
        assert shop.mode == "emulator" and shop.url in shop._repr_html_()
        with urllib.request.urlopen(f"{shop.url}/config", timeout=10) as response:
            assert json.loads(response.read()) == {"publishableKey": "pk_test_emulator_default"}
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{shop.url}/config", timeout=5)
    [(kept, url)] = endpoints()
    assert url == f"{shop.url}/webhook"
    with start(port=0, db=tmp_path / "shop.sqlite3") as again:
        assert endpoints() == [(kept, f"{again.url}/webhook")]
