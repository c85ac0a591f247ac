"""drf-spectacular's description of DRF's own token view (POST /api/v1/auth/token/), which we do
not subclass: an OpenApiViewExtension, loaded in AccountsConfig.ready()."""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiExample, extend_schema


class ObtainAuthTokenSchema(OpenApiViewExtension):
    target_class = "rest_framework.authtoken.views.ObtainAuthToken"

    def view_replacement(self):
        class Fixed(self.target_class):
            @extend_schema(
                summary="Exchange a mobile number (or a staff email) and password for an API token",
                examples=[
                    OpenApiExample("a resident", value={"username": "13800000001", "password": "demo-pass-123"},
                                   request_only=True),
                    OpenApiExample("the token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                                   response_only=True),
                ],
            )
            def post(self, request, *args, **kwargs):
                return super().post(request, *args, **kwargs)

        return Fixed
