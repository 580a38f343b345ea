"""How long filling a saved link takes, against local servers: a web page (the safe
fetcher, OpenGraph parsing) and an arXiv paper (the Atom API, recorded answers).

    .venv/bin/python bench/curation_fill.py [--runs 20]

Uses the development database (migrated); the links it saves are deleted afterwards.
arXiv fills are measured without the rate limit's wait (ARXIV_MIN_INTERVAL=0), then a few
with arXiv's three seconds, which is what an editor waits for a second paper in a row.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from curation.filling import fill  # noqa: E402
from curation.models import RateLimit, SavedLink  # noqa: E402
from tests.curation.conftest import arxiv_answer  # noqa: E402
from tests.helpers.local_server import LocalServer, Response  # noqa: E402

PAGE = (ROOT / "tests" / "curation" / "test_inbox.py").read_text().split('PAGE = """')[1]
PAGE = PAGE.split('"""')[0]


def timed(url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        link = SavedLink.objects.create(url=url, key=f"bench:{time.monotonic_ns()}")
        start = time.perf_counter()
        fill(link)
        times.append((time.perf_counter() - start) * 1000)
        assert link.status == SavedLink.Status.FILLED, link.message
        link.delete()
    return times


def show(name: str, times: list[float]) -> None:
    times = sorted(times)
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    print(
        f"{name:<40} n={len(times):<3} median {statistics.median(times):8.1f} ms"
        f"   p90 {p90:8.1f} ms"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    settings.CURATION_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with (
        LocalServer({"/post": Response(200, PAGE)}) as site,
        LocalServer({"/api/query": arxiv_answer}) as api,
    ):
        settings.ARXIV_API_URL = api.url("/api/query")
        show("link (page, OpenGraph)", timed(site.url("/post"), args.runs))
        settings.ARXIV_MIN_INTERVAL = 0
        show("paper (arXiv API), no wait", timed("https://arxiv.org/abs/2201.12086", args.runs))
        settings.ARXIV_MIN_INTERVAL = 3
        RateLimit.objects.filter(key="arxiv-api").delete()
        show("paper, 3 in a row at arXiv's 3 s limit", timed("arXiv:1706.03762", 3))
    RateLimit.objects.filter(key="arxiv-api").delete()


if __name__ == "__main__":
    main()
