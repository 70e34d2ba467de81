"""A LinkedIn token's lifecycle: when it expires (introspection) and its renewal (refresh).

LinkedIn access tokens last 60 days. With ``PREFIX_CLIENT_ID`` and
``PREFIX_CLIENT_SECRET`` oyez asks ``/oauth/v2/introspectToken`` when the token
expires; with ``PREFIX_REFRESH_TOKEN`` too, it renews the token once it is
within :data:`RENEW_BEFORE` of expiry, and keeps the new one where the
credential lives -- which only works for the keyring. From the environment it
warns instead: a process cannot rewrite its parent's environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from channels.credentials import Secret, keep
from channels.errors import AuthError
from channels.linkedin_api import LinkedInAPI
from channels.transport import epoch_to_utc

#: Renew a token this long before it expires (the daemon checks daily).
RENEW_BEFORE = timedelta(days=14)


class TokenKeeper:
    def __init__(
        self,
        api: LinkedInAPI,
        spec: str,
        token: Secret,
        optional: Mapping[str, Secret],
        *,
        oauth_base_url: str,
    ) -> None:
        self._api = api
        self._oauth = oauth_base_url.rstrip("/")
        self._spec = spec
        self._token = token
        self._optional = dict(optional)

    def _client(self) -> dict[str, str] | None:
        client_id, secret = self._optional.get("CLIENT_ID"), self._optional.get("CLIENT_SECRET")
        if client_id is None or secret is None:
            return None
        return {"client_id": client_id.reveal(), "client_secret": secret.reveal()}

    def expiry(self) -> datetime | None:
        """When the token expires, by introspection; ``None`` without the client credentials."""
        client = self._client()
        if client is None:
            return None
        body = self._api.form(
            f"{self._oauth}/oauth/v2/introspectToken", {**client, "token": self._token.reveal()}
        )
        if body.get("active") is not True:
            raise AuthError(
                "LinkedIn says the access token is no longer active: "
                "make a new one and set PREFIX_ACCESS_TOKEN"
            )
        return epoch_to_utc(body.get("expires_at"))

    def expiry_renewing(
        self, now: datetime | None = None
    ) -> tuple[datetime | None, tuple[str, ...]]:
        """The token's expiry, renewed first when it is due; and what a person should know."""
        moment = now or datetime.now(UTC)
        expires_at = self.expiry()
        if self._client() is None:
            return None, (
                "set PREFIX_CLIENT_ID and PREFIX_CLIENT_SECRET so oyez can tell when the "
                "LinkedIn token expires (tokens last 60 days)",
            )
        if expires_at is None or expires_at - moment > RENEW_BEFORE:
            return expires_at, ()
        on = f"{expires_at:%Y-%m-%d}"
        refresh = self._optional.get("REFRESH_TOKEN")
        if refresh is None:
            return expires_at, (
                f"the LinkedIn token expires on {on} and there is no PREFIX_REFRESH_TOKEN: "
                "make a new token and set PREFIX_ACCESS_TOKEN",
            )
        if not self._spec.startswith("keyring:"):
            return expires_at, (
                f"the LinkedIn token expires on {on}; oyez renews it only when the credentials "
                "live in the keyring (credentials=keyring:SERVICE): renew it and set "
                "PREFIX_ACCESS_TOKEN",
            )
        return self._renew(refresh, moment), ()

    def _renew(self, refresh: Secret, now: datetime) -> datetime | None:
        client = self._client()
        assert client is not None
        body = self._api.form(
            f"{self._oauth}/oauth/v2/accessToken",
            {"grant_type": "refresh_token", "refresh_token": refresh.reveal(), **client},
        )
        token = str(body.get("access_token") or "")
        if not token:
            raise AuthError("LinkedIn renewed the token but sent none back")
        keep(self._spec, "ACCESS_TOKEN", token)
        self._token = Secret(token)
        self._api.set_token(token)
        if body.get("refresh_token"):
            keep(self._spec, "REFRESH_TOKEN", str(body["refresh_token"]))
            self._optional["REFRESH_TOKEN"] = Secret(str(body["refresh_token"]))
        seconds = body.get("expires_in")
        return now + timedelta(seconds=seconds) if isinstance(seconds, int) else None
