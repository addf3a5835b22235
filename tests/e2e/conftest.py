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

    def start(concurrency: int = 2, **env: str) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        process = WorkerProcess(
            log, concurrency=concurrency, env={k: str(v) for k, v in env.items()}
        ).start()
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
    shop = sandbox_configure(sandbox_url=sandbox_server.base_url, public_base_url=live_server.url)
    shop.catalogue = sandbox_server.seed(products=6, with_combinations=2, seed=7)
    orders_poll(shop_id=shop.pk)
    return shop


STOCK_SKUS = 400


def stock_rows_wrong(sandbox) -> int:
    """Shop stock rows whose quantity differs from Picqer's free stock."""
    free = {p["productcode"]: p["stock"][0]["freestock"] for p in sandbox.state("picqer.products")}
    reference = {p["id"]: p["reference"] for p in sandbox.state("ps.products")}
    return sum(
        1
        for row in sandbox.state("ps.stock_availables")
        if int(row["quantity"]) != free[reference[row["id_product"]]]
    )


@pytest.fixture
def wrong_stock_shop(sandbox_server, live_server, transactional_db):
    """A shop of STOCK_SKUS products whose every stock row differs from Picqer's."""
    shop = sandbox_configure(sandbox_url=sandbox_server.base_url, public_base_url=live_server.url)
    sandbox_server.seed(skus=STOCK_SKUS, differing=STOCK_SKUS, seed=3)
    assert stock_rows_wrong(sandbox_server) == STOCK_SKUS
    return shop
