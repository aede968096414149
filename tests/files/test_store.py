"""The local content-addressed store."""
from __future__ import annotations

import hashlib
import os
import threading

import pytest

from documents.files.store import FileStore, LocalFileStore


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def test_content_is_stored_under_its_sha256_in_shards(store):
    data = b"%PDF-1.7 hello"
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.path_of(key) == store.root / key[:2] / key[2:4] / key
    assert store.get(key) == data and store.exists(key)
    with store.open(key) as stream:
        assert stream.read() == data


def test_identical_content_is_stored_once(store):
    first, second = store.put(b"same"), store.put(b"same")
    assert first == second
    assert list(store.keys()) == [first]
    assert [p for p in store.root.rglob("*") if p.is_file()] == [store.path_of(first)]


def test_reusing_content_refreshes_its_time_for_the_orphan_sweep(store):
    key = store.put(b"old")
    os.utime(store.path_of(key), (1_000_000, 1_000_000))
    store.put(b"old")
    assert store.path_of(key).stat().st_mtime > 1_000_000


def test_concurrent_writers_of_the_same_content_leave_one_whole_file(store):
    data = os.urandom(1 << 20)
    threads = [threading.Thread(target=store.put, args=(data,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    key = hashlib.sha256(data).hexdigest()
    assert store.get(key) == data
    assert [p.name for p in store.path_of(key).parent.iterdir()] == [key]  # no temp file left


def test_delete_and_missing_content(store):
    key = store.put(b"x")
    store.delete(key)
    store.delete(key)  # idempotent
    assert not store.exists(key)
    with pytest.raises(KeyError):
        store.get(key)
    with pytest.raises(KeyError):
        store.open(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/../../x", "A" * 64, "", "0" * 63])
def test_a_key_that_is_not_a_sha256_never_becomes_a_path(store, key):
    for operation in (store.get, store.exists, store.delete):
        with pytest.raises(ValueError):
            operation(key)


def test_a_failed_write_leaves_no_temporary_file(store, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.put(b"lost")
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_the_local_store_satisfies_the_interface(store):
    typed: FileStore = store
    assert typed.exists(typed.put(b"y"))
