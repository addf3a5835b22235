"""The SQLite document store: ids, transactions, concurrency, commit hooks."""

import threading

import pytest

from sandbox.store import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "state.sqlite3")


def test_it_assigns_increasing_ids_per_kind_and_finds_by_field(store):
    with store.tx() as tx:
        a = tx.insert("things", {"id": None, "code": "A"}, start=100)
        b = tx.insert("things", {"id": None, "code": "B"}, start=100)
        found = tx.where("things", "code", "B")

    assert (a["id"], b["id"]) == (100, 101)
    assert found == [b]


def test_a_failed_transaction_leaves_nothing_and_runs_no_commit_hooks(store):
    ran = []
    with pytest.raises(RuntimeError), store.tx() as tx:
        tx.insert("things", {"id": None})
        tx.on_commit(lambda: ran.append(True))
        raise RuntimeError("boom")

    with store.tx() as tx:
        assert tx.count("things") == 0
    assert ran == []


def test_concurrent_read_modify_write_loses_no_update(store):
    with store.tx() as tx:
        tx.put("counter", 1, {"n": 0})

    def bump():
        for _ in range(25):
            with store.tx() as tx:
                doc = tx.get("counter", 1)
                doc["n"] += 1
                tx.put("counter", 1, doc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    with store.tx() as tx:
        assert tx.get("counter", 1)["n"] == 100


def test_separate_handles_on_one_file_see_each_others_commits(tmp_path):
    first, second = Store(tmp_path / "s.sqlite3"), Store(tmp_path / "s.sqlite3")
    with first.tx() as tx:
        tx.kv_set("knobs", {"x": 1})

    with second.tx() as tx:
        assert tx.kv_get("knobs") == {"x": 1}
