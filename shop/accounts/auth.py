"""API token authentication: knox's, without its per-request sweep of the user's other tokens.

knox's ``TokenAuthentication`` reads every token of the user on every request to delete the
expired ones (``_cleanup_token``): one more query per API call for housekeeping. Here a request
checks only the token it presents (expired: deleted and refused, as knox does); the user's other
expired tokens are deleted when a new one is issued (``shop.accounts.services.issue_token``).
The token is read with a compiled read (the same SQL, compiled once per process), the rest is knox's.
"""

from __future__ import annotations

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from shop.core.queries import CompiledRead

# the token read of every API request, compiled once (shop.core.queries.CompiledRead)
_TOKENS = CompiledRead(lambda key: get_token_model().objects.filter(token_key=key).select_related("user"))


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate_credentials(self, token):
        """knox's, line for line, reading the tokens through the compiled read."""
        message = gettext_lazy("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in _TOKENS.rows(token[:CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

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
