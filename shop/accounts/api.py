"""Sign-in, SMS codes, registration and password reset over the API.

Limits: DRF throttles per address (scopes `auth` and `sms`, DEFAULT_THROTTLE_RATES) and
django-axes per account and per address on the password check (a locked-out caller gets 429
whatever the password). Tokens are knox's: one per sign-in, expiring, revocable.
"""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from shop.accounts import services
from shop.core.errors import TooManyAttempts


class AuthThrottled(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="mobile number (or a staff member's email)")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def token_response(user, status_code=status.HTTP_200_OK) -> Response:
    token, expiry = services.issue_token(user=user)
    return Response({"token": token, "expiry": expiry}, status=status_code)


class TokenView(AuthThrottled):
    """POST: a new token for a mobile number and password. DELETE: revoke the token used."""

    def get_authenticators(self):
        if self.request is not None and self.request.method == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self):
        if self.request is not None and self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer}, summary="Sign in: a new API token")
    def post(self, request):
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if getattr(request._request, "axes_locked_out", False):
            raise TooManyAttempts(_("尝试次数过多, 请稍后再试"), retry_after=900)
        if user is None:
            raise serializers.ValidationError({"non_field_errors": [_("手机号或密码不正确")]})
        return token_response(user)

    @extend_schema(request=None, responses={204: None}, summary="Sign out: revoke this token")
    def delete(self, request):
        services.revoke_token(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeAllTokensView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Sign out everywhere: revoke every token")
    def post(self, request):
        services.revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SmsCodeSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20)
    purpose = serializers.ChoiceField(choices=["register", "reset"])


class SmsCodeView(AuthThrottled):
    throttle_scope = "sms"

    @extend_schema(request=SmsCodeSerializer, responses={202: OpenApiResponse(description="sent (the same answer for any number)")},
                   summary="Send a one-time SMS code for registration or password reset")
    def post(self, request):
        data = SmsCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_code(mobile=data.validated_data["mobile"], purpose=data.validated_data["purpose"],
                              client_ip=client_ip(request))
        return Response({"sent": True}, status=status.HTTP_202_ACCEPTED)


class RegisterSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20)
    code = serializers.RegexField(r"^[0-9]{6}\Z", max_length=6)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RegisterView(AuthThrottled):
    @extend_schema(request=RegisterSerializer, responses={201: TokenSerializer}, summary="Register with an SMS code")
    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_resident(mobile=data.validated_data["mobile"], code=data.validated_data["code"],
                                          password=data.validated_data["password"])
        return token_response(user, status.HTTP_201_CREATED)


class PasswordResetSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20)
    code = serializers.RegexField(r"^[0-9]{6}\Z", max_length=6)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetView(AuthThrottled):
    @extend_schema(request=PasswordResetSerializer, responses={204: None},
                   summary="Set a new password with an SMS code (every token is revoked)")
    def post(self, request):
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reset_password(mobile=data.validated_data["mobile"], code=data.validated_data["code"],
                                new_password=data.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)

