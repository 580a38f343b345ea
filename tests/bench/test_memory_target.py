"""Worker memory is judged over every run the benchmark made on the same workers
(`--runs`): the largest worker's PSS after the last run against the target, and against
its PSS after the first run, so memory that keeps growing with requests is a missed target
however many runs there were."""

from tests.bench.test_wrk_report import bench_run


def _after(run, *pss):
    return [run.Memory(rss=p + 25, pss=p, uss=p - 10) for p in pss]


def test_memory_that_levels_off_meets_the_target_and_memory_that_keeps_growing_does_not():
    run = bench_run()
    level = [_after(run, 96, 97), _after(run, 98, 98), _after(run, 99, 98), _after(run, 99, 99)]
    assert run.check_targets([], level) == []

    growing = [_after(run, 96, 96), _after(run, 99, 98), _after(run, 103, 100)]
    assert run.check_targets([], growing) == [
        "worker memory (PSS) grew from the first run to the last: 96 to 103 MB"
    ]

    too_big = [_after(run, 119, 118), _after(run, 121, 120)]
    assert run.check_targets([], too_big) == ["worker memory (PSS) 121 MB (target 120)"]
