"""The shared per-account budget: windows, shared pauses, the embedded file cache."""

import pytest
import responses

from sync.http import ratelimit
from sync.http.errors import ApiRateLimitedError


def test_acquire_counts_slots_per_minute_window(clock):
    for _ in range(3):
        ratelimit.acquire("acct", 3)
    assert clock.slept == []

    ratelimit.acquire("acct", 3)

    assert len(clock.slept) == 1  # the fourth waited for the next window
    assert int(clock.now) % 60 == 0


def test_budgets_of_different_accounts_are_independent(clock):
    ratelimit.acquire("a", 1)
    ratelimit.acquire("b", 1)

    assert clock.slept == []


def test_record_pause_keeps_the_longer_pause(clock):
    ratelimit.record_pause("acct", 30)
    ratelimit.record_pause("acct", 5)

    assert ratelimit.paused_for("acct") == pytest.approx(30)


def test_acquire_raises_when_the_wait_exceeds_max_wait(clock):
    ratelimit.record_pause("acct", 40)

    with pytest.raises(ApiRateLimitedError) as caught:
        ratelimit.acquire("acct", 10, max_wait=10)

    assert caught.value.retry_after == pytest.approx(40)
    assert caught.value.retryable is True


def test_it_works_on_the_file_cache_of_the_embedded_mode(settings, tmp_path, clock):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }

    ratelimit.acquire("acct", 1)
    ratelimit.record_pause("acct", 3)
    ratelimit.acquire("acct", 1)

    assert clock.slept[0] == pytest.approx(3)
    assert len(clock.slept) == 2  # pause, then the full window
    assert any((tmp_path / "cache").iterdir())  # state really went through the file cache


@responses.activate
def test_a_nearly_spent_picqer_budget_pauses_every_process(account, clock):
    from sync.picqer.client import LOW_BUDGET_PAUSE_SECONDS, PicqerClient

    responses.get(
        "https://example.picqer.com/api/v1/vatgroups",
        json=[],
        headers={"X-RateLimit-Remaining": "3"},
    )
    client = PicqerClient.for_account(account)

    client.get("vatgroups")

    assert ratelimit.paused_for(client.rate_limit_key) == LOW_BUDGET_PAUSE_SECONDS
    client.get("vatgroups")
    assert clock.slept == [LOW_BUDGET_PAUSE_SECONDS]  # the next call waited for the pause
