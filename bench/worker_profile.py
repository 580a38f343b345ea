"""Where a worker's time goes under load: py-spy on every worker while wrk drives one row.

bench/run.py's `--profile NAME` calls `record` after the table's runs, so the profile does
not slow the rows it reports. py-spy samples each worker's threads that are running
(not those waiting for a request or for the database) without pausing them
(`--nonblocking`), and writes collapsed stacks, one line a distinct stack with its
sample count; `summary` reads them back into shares of the samples: by the code the
innermost frame is in, by the functions that run most themselves, and by the frames that
sit on most stacks. The raw files stay in var/bench/profiles/ for a flame graph.
"""

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "profiles"
RATE = 250  # samples a second and thread
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+)(?::\d+)?\)$")
# Where the innermost frame's file is, in this order: the first that matches names it.
LAYERS = (
    ("our code", ("newsletter/", "editorial/", "config/", "operations/", "subscribers/")),
    ("Django", ("django/",)),
    ("psycopg", ("psycopg/", "psycopg_pool/")),
    ("granian", ("granian/",)),
    ("gunicorn", ("gunicorn/",)),
    ("whitenoise", ("whitenoise/",)),
    ("Python's library", ("python3.",)),
)


def py_spy() -> str | None:
    return shutil.which("py-spy") or next(
        (str(p) for p in (ROOT / ".venv" / "bin" / "py-spy",) if p.exists()), None
    )


def start(pids: list[int], seconds: float, name: str) -> list[tuple[subprocess.Popen, Path]]:
    """Start recording every pid for `seconds`; wait for them with `finish`."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed (it is a dev dependency: make install)")
    OUT.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    recorders = []
    for pid in pids:
        path = OUT / f"{slug}-{pid}.txt"
        process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                binary,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(seconds))),
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--nonblocking",
                "--full-filenames",
                "--output",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        recorders.append((process, path))
    return recorders


def finish(recorders: list[tuple[subprocess.Popen, Path]]) -> list[Path]:
    paths = []
    for process, path in recorders:
        _, errors = process.communicate(timeout=120)
        if process.returncode != 0 or not path.exists():
            raise RuntimeError(f"py-spy failed: {errors.strip()}")
        paths.append(path)
    return paths


def stacks(paths: list[Path]) -> Counter:
    """{tuple of frames, outermost first: samples} over every file."""
    counted: Counter = Counter()
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                counted[tuple(stack.split(";"))] += int(count)
    return counted


def _parts(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame)
    if match is None:
        return frame, ""
    return match["function"], match["file"]


def layer(file: str) -> str:
    for name, markers in LAYERS:
        if any(marker in file for marker in markers):
            # Django's and the others' files sit in site-packages, ours do not.
            if name == "our code" and "site-packages" in file:
                continue
            return name
    return "other (C extensions' Python parts, site-packages)"


def _short(frame: str) -> str:
    function, file = _parts(frame)
    file = file.split("site-packages/")[-1].removeprefix(str(ROOT) + "/")
    return f"{function} ({file})"


def summary(paths: list[Path], top: int = 12) -> str:
    counted = stacks(paths)
    total = sum(counted.values())
    if not total:
        return "  no samples: the workers did not run while recorded"
    layers: Counter = Counter()
    own: Counter = Counter()
    on_stack: Counter = Counter()
    for frames, count in counted.items():
        layers[layer(_parts(frames[-1])[1])] += count
        own[_short(frames[-1])] += count
        for frame in {_short(f) for f in frames}:
            on_stack[frame] += count

    def share(count: int) -> str:
        return f"{100 * count / total:5.1f} %"

    lines = [f"  {total:,} samples of running threads in {len(paths)} workers"]
    lines.append("  innermost frame's code:")
    lines += [f"    {share(n)}  {name}" for name, n in layers.most_common()]
    lines.append(f"  functions by their own samples (top {top}):")
    lines += [f"    {share(n)}  {name}" for name, n in own.most_common(top)]
    lines.append(f"  frames on the most stacks, below the threads' own (top {top}):")
    inclusive = [
        (name, n)
        for name, n in on_stack.most_common()
        if n < total * 0.99  # every stack's thread start and worker loop say nothing
    ]
    lines += [f"    {share(n)}  {name}" for name, n in inclusive[:top]]
    return "\n".join(lines)
