"""Web servers compared on the same pages: `bench/servers.py granian:2x2 gunicorn:2x4`.

Each configuration (server:workers x threads) is started in turn on the bench's data
(`make bench` makes it), warmed, and driven with wrk at 16 connections for each row; the
rounds go through the configurations in alternating order, so that a slow moment of the
machine does not fall on one configuration only. It prints, per configuration and row,
the median req/s and p99 over the rounds, the worst p99, and each row's median ratio to
that configuration's static file (the ceiling, served by the same server). See
bench/README.md, "Serving".
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import run  # bench/run.py, beside this script

ROWS = (run.CEILING, "issue page", "home", "archive page 20", "RSS feed")


def parse(config: str) -> tuple[str, int, int]:
    """`granian:2x2` -> ("granian", 2, 2)."""
    server, _, shape = config.partition(":")
    workers, _, threads = shape.partition("x")
    if server not in run.SERVERS or not workers.isdigit() or not threads.isdigit():
        raise argparse.ArgumentTypeError(
            f"{config!r}: write server:workersxthreads, server one of {', '.join(run.SERVERS)}"
        )
    return server, int(workers), int(threads)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", type=parse, help="e.g. granian:2x2 gunicorn:2x4")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per row (5)")
    args = parser.parse_args()

    binary = run.ensure_wrk()
    run.setup_django()
    paths = {name: path for name, path in run.prepare_data(1000).items() if name in ROWS}
    results = {(config, row): [] for config in args.configs for row in ROWS}
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp:
        log_path = Path(tmp) / "server.log"
        server, workers, threads = args.configs[0]
        env, _, _ = run.prepare_static(
            Path(tmp),
            paths,
            lambda env: run.Server(env, log_path, workers, threads, server),
            run.ACCEPT_ENCODING,
        )
        for k in range(args.rounds):
            for config in args.configs if k % 2 == 0 else args.configs[::-1]:
                kind, workers, threads = config
                web = run.Server(env, log_path, workers, threads, kind)
                try:
                    web.wait_until_ready()
                    for path in paths.values():  # every process and thread warmed
                        for _ in range(4 * workers * threads):
                            run.get(web.port, path)
                    for row in ROWS:
                        result = run.wrk(binary, web.port, row, paths[row], 16, args.duration, None)
                        web.wait_until_idle(run.CEILING_PATH, 2 * workers * threads)
                        results[config, row].append(result)
                finally:
                    web.stop()
                print(f"round {k + 1}: {kind} {workers}x{threads} done", flush=True)

    print(f"\n16 connections, {args.rounds} rounds of {args.duration:g} s a row: median req/s, ")
    print("median p99 (worst p99) ms, median ratio to the same server's static file\n")
    print(f"{'row':<22}" + "".join(f"{f'{s} {w}x{t}':>30}" for s, w, t in args.configs))
    for row in ROWS:
        cells = []
        for config in args.configs:
            rounds = results[config, row]
            ceilings = results[config, ROWS[0]]
            pairs = zip(rounds, ceilings, strict=True)
            ratio = statistics.median(r.rate / c.rate for r, c in pairs)
            rate = statistics.median(r.rate for r in rounds)
            p99 = statistics.median(r.p99_ms for r in rounds)
            worst = max(r.p99_ms for r in rounds)
            errors = sum(r.errors for r in rounds)
            cell = f"{rate:,.0f} {p99:.1f} ({worst:.1f}) {ratio:.2f}"
            cells.append(cell + (f" {errors}err" if errors else ""))
        print(f"{row:<22}" + "".join(f"{cell:>30}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
