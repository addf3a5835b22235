"""The one lease idiom: take, extend, release only your own, expiry; cache flags."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sync.leases import CacheFlag, RowLease
from sync.models import OrderLink

LEASE = RowLease(timedelta(minutes=5))


@pytest.fixture
def rows(shop):
    link = OrderLink.objects.create(shop=shop, ps_order_id=73)
    return OrderLink.objects.filter(pk=link.pk)


def test_one_taker_wins_until_the_lease_runs_out(rows):
    now = timezone.now()
    token = LEASE.take(rows, now=now)
    assert token and LEASE.take(rows, now=now + timedelta(minutes=4)) is None
    later = LEASE.take(rows, now=now + timedelta(minutes=6))  # the first worker died
    assert later and later != token


def test_only_the_holder_extends_or_releases(rows):
    token = LEASE.take(rows)
    assert not LEASE.extend(rows, "someone-else")
    assert LEASE.release(rows, "someone-else") == 0
    assert LEASE.extend(rows, token)
    assert LEASE.release(rows, token, warning="done") == 1
    link = rows.get()
    assert (link.claimed_until, link.claim_token, link.warning) == (None, "", "done")
    assert LEASE.take(rows)


def test_a_batch_skips_rows_held_by_another(shop, rows):
    held = LEASE.take(rows)
    OrderLink.objects.create(shop=shop, ps_order_id=74)
    batch = LEASE.take_batch(OrderLink.objects.order_by("pk"), limit=5)
    assert [link.ps_order_id for link in batch] == [74]
    assert batch[0].claim_token and batch[0].claim_token != held


def test_a_lease_kept_in_its_start_time_runs_out_after_its_duration(rows):
    lease = RowLease(timedelta(minutes=5), token="claimed_until", until=None)
    now = timezone.now()
    assert lease.take(rows, now=now) == now
    assert lease.take(rows, now=now + timedelta(minutes=4)) is None
    assert rows.filter(lease.expired(now + timedelta(minutes=6))).exists()


def test_a_cache_flag_coalesces_and_a_lock_is_lowered_by_its_holder_only():
    flag = CacheFlag("test:flag", 10)
    flag.lower()
    assert flag.raise_() and not flag.raise_()
    assert flag.lower() and not flag.lower()
    assert flag.raise_("mine")
    assert not flag.lower("theirs") and flag.lower("mine")
