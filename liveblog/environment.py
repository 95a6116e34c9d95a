"""Reading configuration from the environment, strictly.

liveblog/settings.py and gunicorn.conf.py both read it, and gunicorn.conf.py
cannot import the settings (they need SECRET_KEY, a database, Django): what
both must agree on, such as the trusted proxies, is read here once. A value
that cannot be read stops the process with ImproperlyConfigured naming the
variable and what it got, never a bare ValueError.
"""

import math
import os

from django.core.exceptions import ImproperlyConfigured

# Where the shipped VCL's backend connects from: Varnish on the same host.
DEFAULT_TRUSTED_PROXIES = ["127.0.0.1"]


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() == "true":
        return True
    if raw.lower() == "false":
        return False
    raise ImproperlyConfigured(f"{name} must be 'true' or 'false', got {raw!r}.")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, as written (case matters: gunicorn's names are lower case)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {raw!r}.")
    return raw


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    """A whole number of at least `minimum` (1 unless 0 has a meaning, such as "off")."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and int(raw) >= minimum):
        bound = "above 0" if minimum == 1 else f"from {minimum}"
        raise ImproperlyConfigured(f"{name} must be a whole number {bound}, got {raw!r}.")
    return int(raw)


def env_float(
    name: str, default: float, *, minimum: float, maximum: float, unit: str = ""
) -> float:
    """A number from `minimum` to `maximum`, such as 0.5 (of `unit`, for the message)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    # NaN compares false with everything, so "nan" and "soon" land here too.
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(
            f"{name} must be a number{f' of {unit}' if unit else ''} "
            f"from {minimum:g} to {maximum:g}, got {raw!r}."
        )
    return value


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def trusted_proxies() -> list[str]:
    """The CDN's or TLS proxy's addresses (FORWARDED_ALLOW_IPS): gunicorn
    believes their X-Forwarded-Proto, Django takes the last X-Forwarded-For
    entry they send as the client's address."""
    return env_list("FORWARDED_ALLOW_IPS") or DEFAULT_TRUSTED_PROXIES
