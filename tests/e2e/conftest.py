"""End-to-end fixtures: real Celery worker processes, the sandbox emulators in their own
process, and the middleware's web server (pytest-django's live_server) for webhooks."""

import pytest

from sandbox.setup import sandbox_configure
from sync.services.orders import orders_poll

from .workers import WorkerProcess, broker_purge


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real worker processes (optionally with extra environment); stopped at the end."""
    broker_purge()
    started: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        process = WorkerProcess(log, env={k: str(v) for k, v in env.items()}).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
        print(f"--- {process.log_path.name} (shown when the test fails)\n{process.log()}")


@pytest.fixture
def worker(start_worker):
    """One real Celery worker process on the test database and the test broker."""
    return start_worker()


@pytest.fixture
def sandbox_shop(sandbox_server, live_server, transactional_db):
    """A shop configured against the sandbox, with a small catalogue on both sides and the
    order poller's cursor set (orders placed before the first poll are never sent)."""
    shop = sandbox_configure(sandbox_url=sandbox_server.base_url,
                             public_base_url=live_server.url)
    shop.catalogue = sandbox_server.seed(products=6, with_combinations=2, seed=7)
    orders_poll(shop_id=shop.pk)
    return shop
