"""The lock files pin, with hashes, every dependency pyproject.toml lists."""

import re
import tomllib
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def listed(requirements: list[str]) -> set[str]:
    return {canonical(re.match(r"[A-Za-z0-9_.-]+", line).group()) for line in requirements}


def pinned(lock: str) -> dict[str, list[str]]:
    """Each pinned package's hashes."""
    text = (PROJECT / lock).read_text()
    entries = re.findall(r"^([A-Za-z0-9_.-]+)==\S+(.*?)(?=^\S|\Z)", text, re.M | re.S)
    return {
        canonical(name): re.findall(r"--hash=sha256:[0-9a-f]{64}", rest) for name, rest in entries
    }


PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", PYPROJECT["dependencies"]),
        (
            "requirements-dev.lock",
            PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"],
        ),
    ],
)
def test_every_dependency_is_pinned_with_hashes_run_make_lock_if_not(lock, requirements):
    pins = pinned(lock)

    assert listed(requirements) <= set(pins), f"run `make lock`: {lock} is behind pyproject.toml"
    assert all(pins.values()), "a pin without a hash"
