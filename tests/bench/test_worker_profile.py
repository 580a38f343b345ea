"""bench/worker_profile.py: a real py-spy on a real busy process, and what its summary says."""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def worker_profile():
    spec = importlib.util.spec_from_file_location("worker_profile", BENCH / "worker_profile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_summary_names_the_function_a_busy_process_spends_its_time_in(tmp_path, monkeypatch):
    profile = worker_profile()
    if profile.py_spy() is None:
        pytest.skip("py-spy is not installed")
    monkeypatch.setattr(profile, "OUT", tmp_path)
    busy = subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import time
                def spin_in_a_loop():
                    total = 0
                    for n in range(200_000):
                        total += n
                    return total
                started = time.monotonic()
                while time.monotonic() - started < 6:
                    spin_in_a_loop()
                """
            ),
        ]
    )
    try:
        files = profile.finish(profile.start([busy.pid], 1, "Busy row"))
    finally:
        busy.kill()
        busy.wait()

    assert [f.name for f in files] == [f"busy-row-{busy.pid}.txt"]
    text = profile.summary(files)
    assert "samples of running threads in 1 workers" in text
    own = text.split("functions by their own samples")[1]
    first = own.splitlines()[1]
    assert "spin_in_a_loop" in first
    assert float(first.split("%")[0]) > 50


def test_stacks_are_read_back_as_counted_and_sorted_into_layers(tmp_path):
    profile = worker_profile()
    raw = tmp_path / "row-1.txt"
    raw.write_text(
        "run (/x/site-packages/gunicorn/workers/gthread.py:10);"
        "__call__ (/x/site-packages/django/core/handlers/wsgi.py:124);"
        "__call__ (/repo/newsletter/reader/cache.py:180) 30\n"
        "run (/x/site-packages/gunicorn/workers/gthread.py:10);"
        "sendall (/usr/lib/python3.12/socket.py:5) 10\n"
    )

    counted = profile.stacks([raw])
    text = profile.summary([raw])

    assert sum(counted.values()) == 40
    assert "75.0 %  our code" in text
    assert "25.0 %  Python's library" in text
    assert "__call__ (django/core/handlers/wsgi.py)" in text
