"""What the RSS feed's bytes are: by kind, plain and compressed, and what it costs to make.

`.venv/bin/python bench/feed_bytes.py [--repeat 7]` against the database the settings
point at (a bench archive: `generate_bench_data --issues 30` is enough for a full feed).
It asks for /feed/rss/ in process with Django's test client and prints:

- the feed's size plain, gzip and Brotli, at the levels the response cache uses
  (newsletter/reader/compression.py);
- for each kind of bytes (figure markup, srcset, classes, absolute URLs, whitespace, the
  text, the escaping of the HTML into XML…): how many bytes of the plain feed it is, and
  what the Brotli and gzip copies would lose without it (the feed compressed again with
  those bytes cut out: kinds overlap, so the lines do not add up);
- the time a miss takes (the view, compression and storing, with the cache emptied before
  each request) and the feed's render alone (the view called directly), median of
  `--repeat`, with the process's CPU time.
"""

import argparse
import re
import statistics
import sys
import time
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import setup_django  # noqa: E402 - bench/run.py, beside this script

FEED = "/feed/rss/"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"

# Patterns over the feed as served: its HTML is escaped once into the XML (`<` is `&lt;`,
# `&` is `&amp;`; quotes stay as they are).
LT, GT = "&lt;", "&gt;"
TAG = rf"{LT}/?[a-z][a-z0-9]*\b.*?{GT}"
KINDS = {
    "figure elements (whole, captions included)": rf"{LT}figure\b.*?{LT}/figure{GT}",
    "srcset attributes": r' srcset="[^"]*"',
    "sizes attributes": r' sizes="[^"]*"',
    "loading, decoding, fetchpriority attributes": r' (?:loading|decoding|fetchpriority)="[^"]*"',
    "class attributes": r' class="[^"]*"',
    "id attributes": r' id="[^"]*"',
    "aria-* attributes": r' aria-[a-z]+="[^"]*"',
    "visually hidden words (a span the site's CSS hides)": (
        rf'{LT}span class="visually-hidden"{GT}.*?{LT}/span{GT}'
    ),
    "permalinks (#)": rf'{LT}a class="permalink"[^&]*{GT}#{LT}/a{GT}',
    "table of contents": rf'{LT}nav class="toc".*?{LT}/nav{GT}',
    "the issue's header line and h1": (
        rf'{LT}p class="issue-meta"{GT}.*?{LT}/p{GT}\s*{LT}h1{GT}.*?{LT}/h1{GT}'
    ),
    "whitespace between tags": rf"(?<={GT})\s+(?={LT})",
    "every tag (markup, attributes included)": TAG,
    "the XML escapes of the HTML's < > & (whole)": r"&(?:lt|gt|amp);",
}


def measure_bytes(xml: str, base: str) -> None:
    from newsletter.reader.compression import BROTLI, GZIP, compress

    raw = xml.encode()
    sizes = {enc: len(compress(enc, raw)) for enc in (BROTLI, GZIP)}
    print(f"The feed: {len(raw):,} bytes plain, {sizes[GZIP]:,} gzip, {sizes[BROTLI]:,} Brotli")

    root = ElementTree.fromstring(raw)  # noqa: S314 - the feed this process just made
    items = root.findall("./channel/item")
    content = [item.findtext(CONTENT_NS) or "" for item in items]
    description = [item.findtext("description") or "" for item in items]
    text = [unescape(re.sub(r"<[^>]*>", "", html)) for html in content]
    print(
        f"{len(items)} items: content:encoded {sum(map(len, content)):,} characters of HTML, "
        f"description {sum(map(len, description)):,}; the text of the content "
        f"{sum(len(t.encode()) for t in text):,} bytes, whitespace runs collapsed "
        f"{sum(len(' '.join(t.split()).encode()) for t in text):,}"
    )
    urls = re.findall(r'(?:href|src)="([^"]*)"', "".join(content))
    ours = [u for u in urls if u.startswith(base)]
    print(
        f"URLs in the content: {len(urls):,}, {len(ours):,} on {base} "
        f"(its {len(base)} characters in each: {len(ours) * len(base):,})"
    )
    pictures = re.findall(r"<img\b[^>]*>", "".join(content))
    print(f"Pictures: {len(pictures):,}, {sum(map(len, pictures)):,} characters of <img> tags")

    print(f"\n{'kind':<72} {'plain':>9} {'gzip -':>8} {'br -':>8}")
    kinds = {**KINDS, f"the base URL ({base}) in our links": re.escape(base)}
    for name, pattern in kinds.items():
        regex = re.compile(pattern, re.S)
        matched = sum(len(m.group(0).encode()) for m in regex.finditer(xml))
        cut = regex.sub("", xml).encode()
        saved = {enc: sizes[enc] - len(compress(enc, cut)) for enc in (BROTLI, GZIP)}
        print(f"{name:<72} {matched:>9,} {saved[GZIP]:>8,} {saved[BROTLI]:>8,}")


def cpu_and_wall(call, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django()

    from django.core.cache import cache
    from django.test import Client, RequestFactory

    from newsletter.reader import admission
    from newsletter.reader.feeds import IssuesFeed

    client = Client()
    response = client.get(FEED)
    assert response.status_code == 200, response.status_code
    measure_bytes(response.content.decode(), "http://testserver/")

    def miss():
        cache.clear()
        admission.doorkeeper.clear()
        assert client.get(FEED, HTTP_ACCEPT_ENCODING="br")["X-Cache"] == "miss"

    request = RequestFactory().get(FEED)
    view = IssuesFeed()
    wall, cpu = cpu_and_wall(miss, args.repeat)
    print(f"\nA miss (view, compression, store), median: {wall:.1f} ms, CPU {cpu:.1f}")
    wall, cpu = cpu_and_wall(lambda: view(request), args.repeat)
    print(f"The feed's render alone, median: {wall:.1f} ms, CPU {cpu:.1f}")


if __name__ == "__main__":
    main()
