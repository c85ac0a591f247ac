"""The merchant portal's people: the shop's staff (owner only), and opening a shop on the
platform (the application, the operators' review, the licence photo)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from merchants import staff_services
from shop.core.errors import DomainError

from . import selectors
from .portal_base import PortalAction, PortalPage, error_text, form_errors
from .portal_forms import ApplicationForm, ReviewForm, StaffForm

# --- staff -------------------------------------------------------------------------------------------


class StaffView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/staff.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or StaffForm(), staff=selectors.shop_staff(shop_id=self.ctx.shop.pk),
                                        **kwargs)

    def post(self, request):
        form = StaffForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            staff_services.add_staff(shop_id=self.ctx.shop.pk, mobile=form.cleaned_data["mobile"], role=form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已添加员工"))
        return HttpResponseRedirect(reverse("merchant-portal:staff"))


class StaffRemoveView(PortalAction):
    owner_only = True

    def act(self, request, user_pk):
        staff_services.remove_staff(shop_id=self.ctx.shop.pk, user_id=user_pk, by_user_id=request.user.pk)
        return _("已移除员工")

    def default_url(self, **kwargs):
        return reverse("merchant-portal:staff")


# --- onboarding ---------------------------------------------------------------------------------------


class ApplyView(TemplateView):
    """Anyone signed in may apply to open a shop; the operator reviews it."""

    template_name = "merchants/portal/apply.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("customer:login"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or ApplicationForm(), applications=selectors.applications_of(user=self.request.user), **kwargs
        )

    def post(self, request):
        form = ApplicationForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            staff_services.apply_for_shop(
                applicant=request.user, name=data["name"], format_code=data["format"].code, address_id=form.address.pk,
                phone=data["phone"], licence_number=data["licence_number"], licence_photo=data["licence_photo"],
                is_chain=data["is_chain"], floor_area_m2=data["floor_area_m2"],
            )
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("申请已提交, 平台审核后会通知您"))
        return HttpResponseRedirect(reverse("merchant-portal:apply"))


class OperatorMixin:
    """Platform operators (is_staff) only; everyone else is sent to sign in or refused."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if not request.user.is_staff:
            raise Http404(_("没有这个页面"))
        return super().dispatch(request, *args, **kwargs)


class ApplicationListView(OperatorMixin, TemplateView):
    template_name = "merchants/portal/applications.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(applications=selectors.applications_to_review(), **kwargs)


class ApplicationReviewView(OperatorMixin, TemplateView):
    template_name = "merchants/portal/application_review.html"

    def get_context_data(self, form=None, **kwargs):
        application = selectors.application(pk=self.kwargs["pk"])
        if application is None:
            raise Http404(_("没有这份申请"))
        return super().get_context_data(application=application, form=form or ReviewForm(), **kwargs)

    def post(self, request, pk):
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            staff_services.review_application(
                application_id=pk, reviewer=request.user, approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"], now=timezone.now(),
            )
        except DomainError as error:
            if selectors.application(pk=pk) is None:
                raise Http404(_("没有这份申请")) from None
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已审核"))
        return HttpResponseRedirect(reverse("merchant-portal:applications"))


class LicencePhotoView(View):
    """The licence photo: to its applicant and to operators only (never a public media URL)."""

    def get(self, request, pk):
        application = selectors.application(pk=pk)
        if (application is None or not request.user.is_authenticated
                or not (request.user.is_staff or application.applicant_id == request.user.pk)):
            raise Http404(_("没有这份申请"))
        return FileResponse(application.licence_photo.open("rb"))
