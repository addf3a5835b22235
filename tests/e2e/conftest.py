import pytest

from .workers import WorkerProcess, broker_purge


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real Celery worker process on the test database and the test broker."""
    broker_purge()
    process = WorkerProcess(tmp_path / "worker.log").start()
    yield process
    process.stop()
