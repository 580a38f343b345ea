"""No benchmark script is named like a module the project imports.

Running `python bench/x.py` puts bench/ first on sys.path, so a script named like one of
the project's packages (or anything installed, or the standard library's) is imported in
its place by everything the script loads: bench/sending.py was, by Django, for the
`sending` app.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What resolves, from the project's root and without bench/ on the path, to something else.
_FIND = """
import importlib.util, sys
print("\\n".join(name for name in sys.argv[1:] if importlib.util.find_spec(name) is not None))
"""


def test_no_bench_script_shadows_a_package_when_bench_is_first_on_the_path():
    scripts = sorted(path.stem for path in (ROOT / "bench").glob("*.py"))
    assert "mail_sending" in scripts

    found = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", _FIND, *scripts],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert found == [], f"bench/ scripts named like importable modules: {found}"
