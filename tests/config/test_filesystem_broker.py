"""The embedded broker: kombu's file-system transport with messages that appear whole."""

import logging
import multiprocessing
import os
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from config.filesystem_broker import PARTIAL_SUFFIX


@pytest.fixture
def broker(tmp_path: Path):
    folder = tmp_path / "queue"
    folder.mkdir()
    (tmp_path / "control").mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
        "polling_interval": 0.01,
    }
    with Connection(
        "filesystem://", transport="config.filesystem_broker:Transport", transport_options=options
    ) as connection:
        # kombu keeps declared queues per process, not per folder: a fresh name per test.
        yield connection, folder, f"work{uuid.uuid4().hex}"


def _drain(queue, *, expected: int) -> list:
    got = []
    while len(got) < expected:
        message = queue.get(timeout=5)
        got.append(message.payload)
        message.ack()
    return got


def test_it_delivers_messages_whole_and_in_order(broker):
    connection, folder, name = broker
    queue = connection.SimpleQueue(name)
    for n in range(5):
        queue.put({"n": n})

    assert _drain(queue, expected=5) == [{"n": n} for n in range(5)]
    assert list(folder.iterdir()) == []


def test_a_consumer_never_sees_a_message_before_it_is_whole(broker, monkeypatch):
    connection, _, name = broker
    consumer = connection.clone().SimpleQueue(name)
    real_replace = os.replace
    looked = []

    def replace_after_a_look(source, target):
        # The producer has written the message but not yet put it in place: the moment
        # kombu's own transport showed consumers an empty file.
        with pytest.raises(consumer.Empty):
            consumer.get(timeout=0.05)
        looked.append(source)
        real_replace(source, target)

    monkeypatch.setattr("config.filesystem_broker.os.replace", replace_after_a_look)
    connection.SimpleQueue(name).put({"n": 1})

    assert len(looked) == 1
    assert _drain(consumer, expected=1) == [{"n": 1}]


def test_a_message_still_being_written_is_not_taken(broker):
    connection, folder, name = broker
    queue = connection.SimpleQueue(name)
    # What a producer leaves while it writes: kombu's own transport used the final name here,
    # and a consumer read it empty and stopped the worker.
    (folder / f"1_abc.{name}.msg{PARTIAL_SUFFIX}").write_bytes(b"")

    with pytest.raises(queue.Empty):
        queue.get(timeout=0.2)
    assert (folder / f"1_abc.{name}.msg{PARTIAL_SUFFIX}").exists()


def test_an_undecodable_message_is_logged_and_skipped(broker, caplog):
    connection, folder, name = broker
    queue = connection.SimpleQueue(name)
    (folder / f"{0:020d}_garbage.{name}.msg").write_bytes(b"")  # sorts before real messages
    queue.put({"n": 1})

    with caplog.at_level(logging.ERROR, logger="config.broker"):
        assert _drain(queue, expected=1) == [{"n": 1}]
    assert f"broker.filesystem.undecodable_message queue={name}" in caplog.text


def _produce(options: dict, name: str, k: int, count: int) -> None:
    """One producer process: declares the queue itself, like web, worker and beat do."""
    with Connection(
        "filesystem://", transport="config.filesystem_broker:Transport", transport_options=options
    ) as connection:
        queue = connection.SimpleQueue(name)
        for n in range(count):
            queue.put({"k": k, "n": n})


def test_producer_processes_starting_together_lose_nothing(broker):
    # Fresh folders, four processes declaring the queue and publishing at once: kombu's own
    # transport lost messages here or stopped on an empty exchange table or message file.
    connection, _, name = broker
    options = connection.transport_options
    context = multiprocessing.get_context("fork")
    producers = [context.Process(target=_produce, args=(options, name, k, 50)) for k in range(4)]
    for producer in producers:
        producer.start()
    got = _drain(connection.SimpleQueue(name), expected=200)
    for producer in producers:
        producer.join(timeout=30)

    assert [producer.exitcode for producer in producers] == [0] * 4
    assert sorted((m["k"], m["n"]) for m in got) == [(k, n) for k in range(4) for n in range(50)]


def test_a_consumer_whose_folders_disappeared_makes_them_again_and_goes_on(broker):
    import shutil

    connection, folder, name = broker
    consumer = connection.clone().SimpleQueue(name)
    producer = connection.SimpleQueue(name)
    shutil.rmtree(folder.parent)  # queue and control folders, with the exchange table

    with pytest.raises(consumer.Empty):  # kombu's own transport raised FileNotFoundError
        consumer.get(timeout=0.2)
    assert folder.is_dir()
    producer.put({"n": 2})
    assert _drain(consumer, expected=1) == [{"n": 2}]


def test_a_publisher_whose_folders_disappeared_makes_them_again(broker):
    import shutil

    connection, folder, name = broker
    queue = connection.SimpleQueue(name)
    shutil.rmtree(folder.parent)

    queue.put({"n": 3})  # routed by the exchange table this process bound, made again

    assert [p.name.split(".", 1)[1] for p in folder.iterdir()] == [f"{name}.msg"]
    assert _drain(queue, expected=1) == [{"n": 3}]
