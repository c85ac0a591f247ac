"""API token authentication: knox's, without its per-request sweep of the user's other tokens.

knox's ``TokenAuthentication`` reads every token of the user on every request to delete the
expired ones (``_cleanup_token``): one more query per API call for housekeeping. Here a request
checks only the token it presents (expired: deleted and refused, as knox does); the user's other
expired tokens are deleted when a new one is issued (``shop.accounts.services.issue_token``).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.signals import token_expired


class TokenAuthentication(auth.TokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        """True (and the token deleted) when the presented token has expired."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI schema's security scheme for it: knox's (drf-spectacular matches exact classes)."""

    target_class = "shop.accounts.auth.TokenAuthentication"
