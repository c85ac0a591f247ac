"""The answer to a locked-out sign-in (django-axes' AXES_LOCKOUT_CALLABLE), on every sign-in form."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shop.core.errors import error_body


def lockout_response(request, original_response=None, credentials=None):
    minutes = 15
    detail = _("密码错误次数过多, 请 %(minutes)s 分钟后再试, 或用短信验证码找回密码。") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("too_many_attempts", detail, retry_after=minutes * 60), status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
