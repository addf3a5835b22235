"""The total deadline and the response size cap of HttpClient, against a real local server.

The server (a thread on 127.0.0.1, a free port) drips, sends a gzip bomb or a huge body; the
client must raise its typed error and read no more than the cap. No timing asserts: a drip
that is not cut would make the call succeed, which is what the tests catch.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from sandbox.misbehaving import MB, MisbehavingServer, misbehaving_server
from sync.http import errors
from sync.http.base import HttpClient, deadline_remaining, http_deadline, submit_under_deadline

CAP = 1 * MB


@pytest.fixture(scope="module")
def remote() -> Iterator[MisbehavingServer]:
    # Drips 20 bytes, one per 0.2 s: 4 s in all, far past the 1 s deadline.
    with misbehaving_server(
        drip_bytes=20, drip_interval=0.2, bomb_bytes=64 * MB, huge_bytes=64 * MB
    ) as server:
        yield server


@pytest.fixture
def client(remote, settings) -> HttpClient:
    settings.HTTP_TOTAL_DEADLINE = 1.0
    settings.HTTP_READ_TIMEOUT = 30.0  # each drip byte restarts it: it never fires
    settings.HTTP_MAX_RESPONSE_BYTES = CAP
    return HttpClient(remote.url)


@pytest.mark.parametrize("path", ["drip-body", "drip-headers"])
def test_a_dripping_server_cannot_hold_a_call_past_the_deadline(client, remote, path):
    with pytest.raises(errors.ApiTimeoutError) as caught:
        client.request("GET", path)

    assert caught.value.retryable is True
    assert "within HTTP_TOTAL_DEADLINE=1 s" in caught.value.message
    assert f"/{path}" not in remote.finished  # cut off, not waited out


def test_the_client_works_again_after_a_cut_call(client):
    with pytest.raises(errors.ApiTimeoutError):
        client.request("GET", "drip-body")

    assert client.request("GET", "ok").content == b"ok"


def test_a_shorter_surrounding_deadline_wins_and_names_itself(client):
    with http_deadline(0.5), pytest.raises(errors.ApiTimeoutError) as caught:
        client.request("GET", "drip-body")

    assert "the 0.5 s this page waits for API" in caught.value.message


def test_a_spent_deadline_sends_nothing(client, remote):
    remote.requests.clear()
    with http_deadline(0), pytest.raises(errors.ApiTimeoutError):
        client.request("GET", "ok")

    assert remote.requests == []


def test_a_gzip_bomb_is_cut_at_the_cap_after_decompression(client):
    tracemalloc.start()
    try:
        with pytest.raises(errors.ApiResponseTooLargeError) as caught:
            client.request("GET", "bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert caught.value.retryable is False
    assert caught.value.limit == CAP
    assert "larger than 1,048,576 bytes (HTTP_MAX_RESPONSE_BYTES)" in caught.value.message
    assert peak < 8 * CAP  # the 64 MB the bomb unpacks to were never held


def test_a_huge_plain_body_is_cut_at_the_cap(client, remote):
    tracemalloc.start()
    try:
        with pytest.raises(errors.ApiResponseTooLargeError):
            client.request("GET", "huge")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 8 * CAP
    assert "/huge" not in remote.finished  # the client hung up instead of reading on
    assert remote.sent["/huge"] < remote.huge_bytes


def test_a_compressed_body_under_the_cap_is_decoded_whole(client):
    assert client.request("GET", "small-gzip").content == b"\0" * MB


def _deadline_threads() -> list:
    return [t for t in threading.enumerate() if t.name == "http-deadlines"]


def test_calls_share_one_deadline_thread(client):
    for _ in range(20):
        assert client.request("GET", "ok").content == b"ok"

    assert len(_deadline_threads()) == 1


def test_a_short_deadline_fires_while_a_longer_one_is_pending(client, settings):
    # The clock sleeps until the long call's deadline (10 s); a shorter one added later
    # must wake it, or the 4 s drip would end first and the short call succeed.
    settings.HTTP_TOTAL_DEADLINE = 10.0
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.request, "GET", "drip-body")
        time.sleep(0.3)  # the long call registers its deadline first
        with http_deadline(0.5), pytest.raises(errors.ApiTimeoutError):
            client.request("GET", "drip-headers")
        assert pending.result().status_code == 200  # its own deadline never came


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (a Celery prefork worker)")
def test_a_forked_worker_cuts_a_drip_with_its_own_deadline_thread(client):
    client.request("GET", "ok")  # the parent's clock thread runs; a child does not inherit it
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what happened through the pipe, never run pytest on
        try:
            client.request("GET", "drip-body")
            outcome = b"not cut"
        except errors.ApiTimeoutError:
            outcome = b"cut"
        except BaseException:
            outcome = b"error"
        os.write(write, outcome)
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read() == b"cut"


def test_a_helper_thread_works_under_the_callers_deadline():
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool, http_deadline(30):
        plain = pool.submit(deadline_remaining).result()
        carried = submit_under_deadline(pool, deadline_remaining).result()

    assert plain is None  # why the helper exists: a bare thread has no deadline
    assert carried is not None and 0 < carried <= 30
