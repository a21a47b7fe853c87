"""Pid files, /proc look-ups and ports, on real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from infra.localstack import processes


def test_read_pid_file(tmp_path):
    path = tmp_path / "p.pid"
    assert processes.read_pid_file(path) is None
    for text, expected in (("123\n", 123), ("", None), ("abc", None), ("0", None), ("-5", None)):
        path.write_text(text)
        assert processes.read_pid_file(path) == expected


def test_stale_pid_file_of_a_dead_process_is_removed(tmp_path, make_host):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    host = make_host(state_dir=tmp_path)
    host.pid_file.write_text(finished.stdout)
    host.port_file.write_text("4566\n")
    assert not host.is_running()
    assert not host.pid_file.exists()
    assert not host.port_file.exists()


def test_pid_file_naming_a_live_process_that_is_not_localstack_is_stale(tmp_path, make_host):
    host = make_host(state_dir=tmp_path)
    host.pid_file.write_text(f"{os.getpid()}\n")  # pytest itself: alive, but not LocalStack
    assert host.running_pid() is None
    assert not host.pid_file.exists()
    assert processes.is_alive(os.getpid())


def test_garbage_pid_file_is_removed(tmp_path, make_host):
    host = make_host(state_dir=tmp_path)
    host.pid_file.write_text("not a pid")
    assert not host.is_running()
    assert not host.pid_file.exists()


def test_descendants_walks_the_whole_tree():
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert sorted(processes.descendants(10, parents)) == [11, 12, 13]
    assert processes.descendants(12, parents) == []


def test_parent_map_sees_this_process():
    parents = processes.parent_map()
    assert parents.get(os.getpid()) == os.getppid()


def test_port_is_free_tells_a_listening_port_apart(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not processes.port_is_free(port)
    assert processes.port_is_free(port)
