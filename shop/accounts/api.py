"""Sign-in, SMS codes, registration and password reset over the API; the signed-in user's own
account: the profile (/api/v1/me/), changing the mobile number with an SMS code sent to the new
number (/api/v1/me/mobile/code/, then /api/v1/me/mobile/) and deleting the account
(/api/v1/me/delete/; its password check is counted and locked by django-axes like a sign-in).

Limits: DRF throttles per address (scopes `auth` and `sms`, DEFAULT_THROTTLE_RATES) and
django-axes per account and per address on the password check (a locked-out caller gets 429
whatever the password). Tokens are knox's: one per sign-in, expiring, revocable.
"""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from shop.accounts import services
from shop.accounts.auth import TokenAuthentication
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


TOKEN_EXAMPLE = {"token": "3f9c2a7e1b8d4c6f0a5e9d2b7c1f8a4e6d0b3c9f2e7a1d5b8c4f6e0a9d3b7c2f1e",
                 "expiry": "2026-12-14T01:40:00.123456Z"}


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

    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer}, summary="Sign in: a new API token",
                   examples=[OpenApiExample("a resident's mobile and password", request_only=True,
                                            value={"username": "13800000001", "password": "my-password"}),
                             OpenApiExample("a new token", value=TOKEN_EXAMPLE, response_only=True)])
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
                   summary="Send a one-time SMS code for registration or password reset",
                   examples=[OpenApiExample("a code to register", request_only=True,
                                            value={"mobile": "13800000001", "purpose": "register"})])
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
    @extend_schema(request=RegisterSerializer, responses={201: TokenSerializer}, summary="Register with an SMS code",
                   examples=[OpenApiExample("the mobile, the code and a password", request_only=True,
                                            value={"mobile": "13800000001", "code": "482915", "password": "my-password"}),
                             OpenApiExample("the new account's token", value=TOKEN_EXAMPLE, response_only=True)])
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
                   summary="Set a new password with an SMS code (every token is revoked)",
                   examples=[OpenApiExample("the mobile, the code and the new password", request_only=True,
                                            value={"mobile": "13800000001", "code": "731604",
                                                   "new_password": "my-new-password"})])
    def post(self, request):
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reset_password(mobile=data.validated_data["mobile"], code=data.validated_data["code"],
                                new_password=data.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mobile = serializers.CharField()
    last_name = serializers.CharField(help_text="family name (姓)")
    first_name = serializers.CharField(help_text="given name (名)")
    name = serializers.CharField(help_text="the full name, family name first; the masked mobile when empty")
    email = serializers.EmailField(allow_null=True)
    date_joined = serializers.DateTimeField()


class ProfileChangeSerializer(serializers.Serializer):
    last_name = serializers.CharField(max_length=64, allow_blank=True, required=False)
    first_name = serializers.CharField(max_length=64, allow_blank=True, required=False)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError({"last_name": [_("请填写要修改的姓名")]})
        return data


class EraseSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, allow_blank=True, required=False, default=None,
                                     trim_whitespace=False, help_text="the account's password (required when it has one)")


PROFILE_EXAMPLE = {"id": 42, "mobile": "13800000001", "last_name": "王", "first_name": "秀英", "name": "王秀英",
                   "email": None, "date_joined": "2026-11-01T09:30:00+08:00"}


def profile_data(user) -> dict:
    return {"id": user.pk, "mobile": user.mobile, "last_name": user.last_name, "first_name": user.first_name,
            "name": user.get_full_name(), "email": user.email, "date_joined": user.date_joined}


class ProfileView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ProfileSerializer},
                   examples=[OpenApiExample("a resident", value=PROFILE_EXAMPLE, response_only=True)])
    def get(self, request):
        return Response(profile_data(request.user))

    @extend_schema(request=ProfileChangeSerializer, responses={200: ProfileSerializer}, examples=[
        OpenApiExample("a new given name", value={"first_name": "秀兰"}, request_only=True),
        OpenApiExample("the profile", value={**PROFILE_EXAMPLE, "first_name": "秀兰", "name": "王秀兰"},
                       response_only=True)])
    def patch(self, request):
        data = ProfileChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(profile_data(services.update_profile(user=request.user, **data.validated_data)))


class AccountDeleteView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=EraseSerializer, responses={204: None},
        examples=[OpenApiExample("confirm with the password", value={"password": "my-password"}, request_only=True)],
        description="Deletes the account: orders are kept with the shipping addresses masked; the name, mobile, "
                    "saved addresses and tokens are removed and the account can no longer sign in. 422 for a wrong "
                    "password (429 `too_many_attempts` after AXES_FAILURE_LIMIT wrong ones, as for a sign-in, even with the "
                    "right one until the lock ends); 409 `open_orders` while an order is under way, `account_has_role` for staff, "
                    "couriers and shop accounts.",
    )
    def post(self, request):
        data = EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.verify_password(request=request._request, user=request.user,
                                 password=data.validated_data["password"])
        services.erase_account(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MobileCodeSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20, help_text="the NEW mobile number")


class MobileChangeSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20, help_text="the NEW mobile number")
    code = serializers.RegexField(r"^[0-9]{6}\Z", max_length=6, help_text="the code sent to the new number")


class MobileCodeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sms"

    @extend_schema(request=MobileCodeSerializer, responses={202: OpenApiResponse(description="sent to the new number")},
                   summary="Send a one-time SMS code to a new mobile number",
                   description="422 for a bad number or the current one; 429 `sms_rate_limited` past the SMS limits "
                               "(one code a minute per number, a few an hour per number and per address).",
                   examples=[OpenApiExample("the new number", request_only=True, value={"mobile": "13900000002"})])
    def post(self, request):
        data = MobileCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_mobile_change_code(user=request.user, mobile=data.validated_data["mobile"],
                                            client_ip=client_ip(request))
        return Response({"sent": True}, status=status.HTTP_202_ACCEPTED)


class MobileChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=MobileChangeSerializer, responses={200: ProfileSerializer},
                   summary="Change the mobile number with the code sent to the new number",
                   description="422 `invalid_code` for a wrong or expired code (`code`), 422 for a bad number; "
                               "409 `mobile_taken` (`mobile`) when another account has the number, said only "
                               "once its code is proven.",
                   examples=[OpenApiExample("the new number and its code", request_only=True,
                                            value={"mobile": "13900000002", "code": "604218"}),
                             OpenApiExample("the profile", response_only=True,
                                            value={**PROFILE_EXAMPLE, "mobile": "13900000002"})])
    def post(self, request):
        data = MobileChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.change_mobile(user=request.user, mobile=data.validated_data["mobile"],
                                      code=data.validated_data["code"])
        return Response(profile_data(user))
