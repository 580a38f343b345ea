"""Sending benchmark: one issue emailed to N subscribers by real worker processes.

Run it with `make bench-sending` (or `.venv/bin/python bench/mail_sending.py --subscribers 2000
--workers 1,2`). For each worker count it starts that many `manage.py worker` processes
(production settings, the database backend), publishes a fresh issue with "also email
subscribers", and times from the publish to the send's `done`: the go-live task, the
ledger of N rows, and every message handed over SMTP to a real aiosmtpd server on a free
loopback port, in this process. It checks that every subscriber got exactly one message
and prints one table. See bench/README.md.
"""

import argparse
import logging
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    HOST,
    ROLES,
    TaskWorker,
    database_url,
    free_port,
    production_env,
    setup_django,
)

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "bench-sending.example"  # example.com's kind: never a real mailbox


class Counting:
    """An SMTP server that accepts everything and counts each recipient's messages."""

    def __init__(self):
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def ensure_subscribers(count: int) -> int:
    """N confirmed subscribers at the bench domain (kept between runs); returns how many
    confirmed, unsuppressed subscribers there are in all (the demo's too)."""
    from django.utils import timezone

    from subscribers.models import Subscriber

    have = set(
        Subscriber.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", flat=True)
    )
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=email,
                name=f"Reader {k}",
                status=Subscriber.Status.CONFIRMED,
                confirmed_at=now,
            )
            for k in range(count)
            if (email := f"reader{k:05}@{DOMAIN}") not in have
        ],
        batch_size=1000,
    )
    return Subscriber.objects.confirmed().count()


def publish_with_email(run: str):
    """A fresh bench issue (20 items), through submit, approve and publish with email."""
    from django.contrib.auth import get_user_model

    from demo.management.commands.generate_bench_data import create_bench_issue
    from editorial import notifications
    from editorial.workflow import perform
    from newsletter.models import Issue

    users = {u.username: u for u in get_user_model().objects.filter(username__in=ROLES)}
    issue = create_bench_issue(
        2 * 10**6 + int(run) % 10**6, Issue.next_number(), by=users["editor"], pictures=[]
    )
    issue.slug = f"bench-sending-{run}"
    issue.save(update_fields=["slug"])
    with notifications.muted():
        perform(issue, "submit", by=users["editor"])
        perform(issue, "approve", by=users["reviewer"])
        perform(issue, "publish", by=users["publisher"], email_subscribers=True)
    return issue


def start_workers(count: int, env: dict, logs: Path) -> list[TaskWorker]:
    workers = [
        TaskWorker(logs / f"worker-{count}-{k}.log", env=env, wait=False) for k in range(count)
    ]
    try:
        for worker in workers:
            worker.wait_until_ready()
    except BaseException:
        stop(workers)  # none is left running against a server that is gone
        raise
    return workers


def stop(workers: list[TaskWorker]) -> None:
    for worker in workers:
        worker.process.terminate()  # all at once; each then finishes its task in hand
    for worker in workers:
        worker.stop()


def measure(worker_count: int, server: Counting, env: dict, logs: Path, timeout: float) -> dict:
    from django.db import connections

    from sending.models import Delivery, Send

    workers = start_workers(worker_count, env, logs)
    try:
        before = server.total()
        started = time.perf_counter()
        issue = publish_with_email(f"{int(time.time())}{worker_count}")
        published = time.perf_counter()
        send = Send.objects.get(issue=issue)
        while True:
            state = Send.objects.filter(pk=send.pk).values_list("state", flat=True).get()
            if state == Send.State.DONE:
                break
            if state in (Send.State.PAUSED, Send.State.CANCELLED, Send.State.NOBODY):
                note = Send.objects.get(pk=send.pk).note
                raise RuntimeError(f"the send was {state}: {note}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the send was still {state} after {timeout:.0f} s")
            time.sleep(0.1)
        done = time.perf_counter()
    finally:
        stop(workers)
    rows = Delivery.objects.filter(send=send)
    sent = rows.filter(state=Delivery.State.SENT).count()
    send = Send.objects.get(pk=send.pk)
    ledger = (send.started_at - send.requested_at).total_seconds()
    received = server.total() - before
    connections.close_all()
    elapsed = done - published
    return {
        "workers": worker_count,
        "messages": sent,
        "received": received,
        "rows": rows.count(),
        "seconds": elapsed,
        "rate": sent / elapsed if elapsed else 0.0,
        "start": ledger,
    }


def print_table(results: list[dict], load_before, load_after) -> None:
    print()
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")
    print(
        f"{'workers':>7} {'messages':>8} {'received':>8} {'seconds':>8} {'msg/s':>7} "
        f"{'per worker':>10} {'go-live to sending':>18}"
    )
    for r in results:
        print(
            f"{r['workers']:>7} {r['messages']:>8} {r['received']:>8} {r['seconds']:>8.1f} "
            f"{r['rate']:>7.1f} {r['rate'] / r['workers']:>10.1f} {r['start']:>17.2f}s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="Worker counts to try, in order.")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds allowed a send.")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]

    setup_django()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)
    recipients = ensure_subscribers(args.subscribers)
    connections.close_all()
    print(f"{recipients} confirmed subscribers ({args.subscribers} at {DOMAIN}).", flush=True)

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    server = Counting()
    controller = Controller(server, hostname=HOST, port=free_port())
    controller.start()
    logs = ROOT / "var" / "bench-sending"
    logs.mkdir(parents=True, exist_ok=True)
    base = production_env(str(logs / "static"))
    base.update(
        DATABASE_URL=database_url(),
        TASKS_BACKEND="database",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=HOST,
        EMAIL_PORT=str(controller.port),
        SENDING_RATE_PER_MINUTE="0",
        SITE_URL="https://news.example.com",
        DJANGO_LOG_LEVEL="INFO",  # the worker says "ready" at INFO
    )
    load_before = os.getloadavg()
    results = []
    try:
        for count in counts:
            env = {**base, "SENDING_TASKS_PER_SEND": str(max(count, 1))}
            results.append(measure(count, server, env, logs, args.timeout))
            print(
                f"{count} worker(s): {results[-1]['messages']} messages in "
                f"{results[-1]['seconds']:.1f} s",
                flush=True,
            )
    finally:
        controller.stop()
    print_table(results, load_before, os.getloadavg())
    twice = {address: n for address, n in server.received.items() if n > len(counts)}
    wrong = [r for r in results if not (r["messages"] == r["rows"] == r["received"])]
    if twice or wrong:
        print(f"NOT exactly once: {len(twice)} addresses over-sent; runs {wrong}")
        return 1
    print("Every subscriber got exactly one message per send.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
