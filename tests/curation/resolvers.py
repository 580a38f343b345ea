"""A resolver the fetcher can be pointed at (CURATION_RESOLVER), answering from a table:
names that resolve where a test needs them to, with no DNS server and no internet."""

from curation.fetcher import FetchFailed

TABLE: dict[str, list[list[str]]] = {}  # name → the answers to give, one per lookup
LOOKUPS: list[str] = []


def table_resolver(host: str, port: int) -> list[str]:
    LOOKUPS.append(host)
    answers = TABLE.get(host)
    if not answers:
        raise FetchFailed(f"The name {host} could not be resolved.")
    return answers.pop(0) if len(answers) > 1 else answers[0]
