"""The CLI as a process: ``python samplecli.py ...`` ends without the interpreter's teardown,
yet exits as a normal exit does — its code, all of its output, exit handlers run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``samplecli.py`` run as __main__, after ``prelude`` (to register exit handlers)."""
    script = textwrap.dedent(prelude) + "\nimport runpy, sys\nsys.argv = ['samplecli.py', *sys.argv[1:]]\n" \
        "runpy.run_path('samplecli.py', run_name='__main__')\n"
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_a_command_exits_zero_with_all_of_its_output():
    done = cli("list")

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == len([p for p in (ROOT / "patterns").iterdir()
                                                 if (p / "template.yaml").is_file()])


def test_an_error_exits_non_zero_with_its_message():
    done = cli("run", "no-such-pattern")

    assert done.returncode == 1
    assert done.stderr.startswith("error: no pattern named 'no-such-pattern'")


def test_exit_handlers_and_threads_are_finished_before_the_process_ends(tmp_path):
    marker = tmp_path / "marker"
    done = cli("list", prelude=f"""
        import atexit, threading, time
        from pathlib import Path
        def slow_worker():
            time.sleep(0.2)
            Path({str(marker)!r}).write_text("thread ")
        threading.Thread(target=slow_worker).start()  # not a daemon: a normal exit waits for it
        atexit.register(lambda: Path({str(marker)!r}).open("a").write("atexit"))
    """)

    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "thread atexit"
