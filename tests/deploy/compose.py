"""docker-compose.yml read the way Compose reads it: YAML (anchors and `<<` merges), then
`${VAR}`, `${VAR:-default}` and `${VAR:?error}` taken from a given environment."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# The services built from this repository's image; `db` and `redis` are upstream images.
APP_SERVICES = ("migrate", "web", "worker")

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def load() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def referenced_variables() -> dict[str, str | None]:
    """Every variable the file interpolates: name -> its operator (`:-`, `:?` or None)."""
    return {match["name"]: match["op"] for match in _REFERENCE.finditer(COMPOSE_FILE.read_text())}


def interpolate(value, environment: dict[str, str]):
    if isinstance(value, dict):
        return {key: interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        given = environment.get(match["name"], "")
        if given:
            return given
        if match["op"] == ":?":
            raise MissingVariable(f"{match['name']}: {match['arg']}")
        return match["arg"] or ""

    return _REFERENCE.sub(substitute, value)
