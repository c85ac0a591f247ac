"""The signed-in user's own account over the API: the profile (/api/v1/me/) and deleting the
account (/api/v1/me/delete/). Changing the mobile number needs an SMS code sent to the new
number, which this API does not offer yet."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services


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
                    "password; 409 `open_orders` while an order is under way, `account_has_role` for staff, "
                    "couriers and shop accounts.",
    )
    def post(self, request):
        data = EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.erase_account(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
