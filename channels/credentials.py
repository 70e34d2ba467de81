"""Credentials come from the environment or the keyring, never from the database.

A channel's ``credentials`` setting names *where* its secrets live:

* ``env:PREFIX`` -- read ``PREFIX_<NAME>`` from the environment;
* ``keyring:SERVICE`` -- read ``<NAME>`` from the system keyring under ``SERVICE``.

Errors name the variables that are missing, never their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from channels.errors import ConfigError
from channels.redaction import MASK, remember


class Secret(str):
    """A string that does not print itself: ``repr``, ``str()``, f-strings and ``%s`` hide it.

    Only :meth:`reveal` gives the value. Every ``Secret`` made is remembered, so
    :func:`channels.redaction.redact` takes it out of error texts that echo it.
    """

    __slots__ = ()

    def __new__(cls, value: str, *, redacted: bool = True) -> Secret:
        secret = super().__new__(cls, value)
        if redacted:
            remember([value])
        return secret

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def reveal(self) -> str:
        return str.__str__(self)


def resolve(
    spec: str,
    names: Sequence[str],
    environ: Mapping[str, str],
    *,
    public: Sequence[str] = (),
) -> dict[str, Secret]:
    """Return each of ``names`` from the source that ``spec`` names.

    Names in ``public`` are identifiers kept beside the secrets (a Page id, an
    organisation, a handle): read the same way, but not taken out of error
    texts, where they are part of every post id the network names.

    Raises :class:`ConfigError` listing every missing name (not just the first).
    """
    if not spec:
        raise ConfigError("no credentials configured: set credentials=env:PREFIX")
    scheme, _, where = spec.partition(":")
    if not where:
        raise ConfigError(
            f"credentials must look like env:PREFIX or keyring:SERVICE, got {scheme!r}"
        )
    found: dict[str, Secret] = {}
    missing: list[str] = []
    if scheme == "env":
        prefix = where.rstrip("_")
        for name in names:
            var = f"{prefix}_{name}"
            value = environ.get(var, "")
            if value:
                found[name] = Secret(value, redacted=name not in public)
            else:
                missing.append(var)
    elif scheme == "keyring":
        import keyring  # deferred: slow to import and rarely used

        for name in names:
            value = keyring.get_password(where, name) or ""
            if value:
                found[name] = Secret(value, redacted=name not in public)
            else:
                missing.append(f"{name} in keyring service {where!r}")
    else:
        raise ConfigError(
            f"unknown credentials source {scheme!r}: use env:PREFIX or keyring:SERVICE"
        )
    if missing:
        raise ConfigError("missing credentials: " + ", ".join(missing))
    return found


def resolve_optional(
    spec: str, names: Sequence[str], environ: Mapping[str, str]
) -> dict[str, Secret]:
    """Those of ``names`` that ``spec``'s source has; the rest are simply absent."""
    found: dict[str, Secret] = {}
    for name in names:
        try:
            found.update(resolve(spec, (name,), environ))
        except ConfigError:
            continue
    return found


def keep(spec: str, name: str, value: str) -> bool:
    """Store a renewed secret where ``spec`` keeps it; False when it cannot (the environment).

    Only the keyring can be written: a process cannot change its parent's environment.
    """
    scheme, _, where = spec.partition(":")
    if scheme != "keyring" or not where:
        return False
    import keyring  # deferred: slow to import and rarely used

    keyring.set_password(where, name, value)
    return True
