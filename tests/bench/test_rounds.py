"""At 16 connections the benchmark drives every row in rounds and reports each row's
medians, its worst p99 and the median of its ratios to the ceiling of the same round
(bench/run.py, `combined`): a row measured while the machine was busy for another reason
is neither its result nor hidden."""

from tests.bench.test_wrk_report import bench_run


def _row(run, name, rate, p99, errors=0):
    return run.Row(
        name=name,
        connections=16,
        requests=int(rate * 5),
        rate=rate,
        p50_ms=p99 / 2,
        p99_ms=p99,
        errors=errors,
        worst_p99_ms=p99,
    )


def test_a_row_of_rounds_is_their_medians_its_worst_p99_and_every_error():
    run = bench_run()
    ceilings = [_row(run, run.CEILING, rate, 10.0) for rate in (2000, 1000, 2000)]
    # The second round fell on a slow moment of the machine: the ceiling halved with it.
    rounds = [
        _row(run, "issue page", 1800, 12.0),
        _row(run, "issue page", 950, 40.0, errors=2),
        _row(run, "issue page", 1600, 14.0),
    ]
    row = run.combined(rounds, ceilings)
    assert (row.name, row.connections, row.rounds) == ("issue page", 16, 3)
    assert row.rate == 1600
    assert row.p99_ms == 14.0
    assert row.worst_p99_ms == 40.0
    assert row.errors == 2
    assert row.requests == sum(r.requests for r in rounds)
    # Each round's ratio to its own ceiling (0.90, 0.95, 0.80), then their median.
    assert round(row.ratio, 2) == 0.90


def test_the_table_shows_the_rounds_and_the_worst_p99():
    run = bench_run()
    rows = [_row(run, "issue page", 1500, p99) for p99 in (12.0, 30.0, 13.0)]
    row = run.combined(rows, [_row(run, run.CEILING, 2000, 10.0)] * 3)
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    run.print_table([row], out=Out())
    header, first = "".join(lines).splitlines()
    assert "rounds" in header and "worst p99" in header
    cells = first.split()
    assert cells[2:5] == ["16", "3", str(row.requests)]
    assert cells[-4:-2] == ["13.00", "30.00"]  # the median p99, then the worst


def test_a_run_whose_table_is_not_printed_is_one_line_naming_every_row_with_errors():
    run = bench_run()
    rows = [
        _row(run, "issue page", 1800, 12.0),
        _row(run, "RSS feed", 1500, 16.5),
        _row(run, "search (new query)", 50, 31.0),
        _row(run, run.CEILING, 2000, 9.0),
    ]
    rows[0].ratio, rows[1].ratio = 0.90, 0.75
    rows[2].connections = 1
    assert run.run_summary(rows) == (
        "pages at 16 connections 0.75 to 0.90 of the ceiling, p99 at most 16.5 ms; "
        "search (new query) at 1 connection p99 31.0 ms; errors: none"
    )
    rows[1].errors, rows[1].detail = 3, "timeout 3"
    assert run.run_summary(rows).endswith("errors: RSS feed at 16 connections 3 (timeout 3)")
