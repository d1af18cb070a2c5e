"""A cache of finished renders, keyed by what was drawn: family content, format, date and renderer version.

In memory it is a bounded LRU (by entries and bytes), safe to share between threads. Given a directory
it also keeps renders on disk (written atomically), so several worker processes share them.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path


class RenderCache:
    """Bounded LRU of rendered bytes, optionally backed by a directory."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024,
                 directory: str | os.PathLike[str] | None = None) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.directory = Path(directory) if directory is not None else None
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> bytes | None:
        """The cached bytes for key, or None (a miss)."""
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return data
        data = self._read_file(key)
        with self._lock:
            if data is None:
                self.misses += 1
                return None
            self.hits += 1
            self._remember(key, data)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store a render (in memory, and on disk when there is a directory)."""
        with self._lock:
            self._remember(key, data)
        self._write_file(key, data)

    def clear(self) -> None:
        """Forget everything held in memory (files on disk are left for other processes)."""
        with self._lock:
            self._items.clear()
            self._size = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def _remember(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._size -= len(old)
        self._items[key] = data
        self._size += len(data)
        while len(self._items) > self.max_entries or self._size > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._size -= len(dropped)

    def _path(self, key: str) -> Path | None:
        return self.directory / key[:2] / key if self.directory is not None else None

    def _read_file(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _write_file(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader in another process never sees half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
            os.replace(handle.name, path)
        except OSError:
            pass  # a disk cache that cannot be written is only slower, never wrong


default_cache = RenderCache()
