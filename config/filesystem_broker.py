"""kombu's server-less file-system transport, with messages that appear whole.

kombu 5.7's `filesystem` transport creates a message file, then writes it. A worker that
lists the folder in between moves the still-empty file away, fails to decode it, and the
whole worker process stops ("Unrecoverable error: JSONDecodeError"), taking the message
with it. `make demo` hit it within two minutes, with web, worker and beat publishing at
once. Here a message is written under a name consumers skip and renamed into place (atomic
on one file system), and a file that still cannot be decoded is logged and skipped instead
of stopping the worker: the inbox sweeper and the pollers republish whatever it carried.
The exchange tables (which queue a message goes to) had the same create-then-write gap
when several processes declared a queue at once, as on the first `make run`.

The folders can disappear under a running worker (a clean-up of var/, a volume remounted):
kombu then raises FileNotFoundError from its poll and the worker process stops, and honcho
stops every other process with it. Here the folders are made again, with the exchange
tables this process bound, and the worker goes on; the messages that were in the folder are
gone, and the sweepers publish again what they carried.

Used when no REDIS_URL or CELERY_BROKER_URL is set (config/celery_settings.py).
"""

import itertools
import logging
import os
import time
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

logger = logging.getLogger("config.broker")

# A consumer only takes names ending in ".<queue>.msg"; a message being written ends in this.
PARTIAL_SUFFIX = ".part"
_sequence = itertools.count()
# The bindings this process made, by exchange table path, to write them again when the
# control folder disappeared (a publisher's queue declaration is cached, never repeated).
_bindings: dict[str, list[list[str]]] = {}


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        # Consumers take names in sorted order: a fixed-width clock (the same for every
        # process on the machine) then a per-process sequence keep FIFO order, and the pid
        # keeps names unique. kombu's own names ordered same-millisecond messages at random.
        name = f"{time.monotonic_ns():020d}_{next(_sequence):012d}_{os.getpid()}.{queue}.msg"
        try:
            self._write_message(name, payload)
        except FileNotFoundError:
            self._folders_restore()
            self._write_message(name, payload)

    def _write_message(self, name: str, payload: dict) -> None:
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(dumps(payload).encode())
            os.replace(partial, final)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to the queue folder") from exc

    def _get(self, queue: str) -> dict:
        while True:  # until a message decodes, or kombu says the queue is empty
            try:
                return super()._get(queue)
            except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                logger.error(
                    "broker.filesystem.undecodable_message queue=%s error=%s",
                    queue,
                    type(exc).__name__,
                )
            except FileNotFoundError:  # the queue folder itself is gone
                self._folders_restore()
                raise Empty() from None

    def _size(self, queue: str) -> int:
        try:
            return super()._size(queue)
        except FileNotFoundError:
            self._folders_restore()
            return 0

    def _purge(self, queue: str) -> int:
        try:
            return super()._purge(queue)
        except FileNotFoundError:
            self._folders_restore()
            return 0

    def _folders_restore(self) -> None:
        """Make the broker's folders again, and the exchange tables this process bound."""
        folders = [self.data_folder_in, self.data_folder_out, self.control_folder]
        if self.store_processed:
            folders.append(self.processed_folder)
        for folder in folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
        for table, bindings in list(_bindings.items()):
            exchange = Path(table).name.removesuffix(".exchange")
            for binding in bindings:
                self._bind(exchange, binding)
        logger.warning(
            "broker.filesystem.folders_restored folder=%s tables=%s",
            self.data_folder_in,
            len(_bindings),
        )

    def get_table(self, exchange: str) -> list:
        table = self._exchange_file(exchange)
        if str(table) in _bindings and not table.exists():
            self._folders_restore()  # the control folder was wiped: a publish must not
            # go to the dead-letter queue for want of the table
        return super().get_table(exchange)

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        # kombu creates a missing exchange table by opening it truncated, then writing: a
        # publisher or a second binder in between reads an empty file and fails the same
        # way. Create it whole, with its first binding; kombu's update of an existing table
        # holds a lock.
        binding = [routing_key or "", pattern or "", queue or ""]
        known = _bindings.setdefault(str(self._exchange_file(exchange)), [])
        if binding not in known:
            known.append(binding)
        self._bind(exchange, binding)

    def _bind(self, exchange: str, binding: list[str]) -> None:
        if not self._exchange_table_create(exchange, binding):
            super()._queue_bind(exchange, *binding)

    def _exchange_table_create(self, exchange: str, binding: list[str]) -> bool:
        """Create the exchange's table holding `binding`; False when it exists already."""
        table = self._exchange_file(exchange)
        if table.exists():
            return False
        table.parent.mkdir(parents=True, exist_ok=True)
        partial = table.with_name(f"{table.name}.{os.getpid()}.{next(_sequence)}{PARTIAL_SUFFIX}")
        partial.write_bytes(dumps([binding]).encode())
        try:
            os.link(partial, table)  # atomic, and never replaces a table made meanwhile
        except FileExistsError:
            return False
        finally:
            partial.unlink()
        return True


class Transport(filesystem.Transport):
    Channel = Channel
