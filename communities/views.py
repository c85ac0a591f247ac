"""Storefront pages of the service circle: the location picker (我的位置) and the circle page
(我的15分钟生活圈). They read through communities.location and communities.selectors only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from catalog import selectors as catalog_selectors
from catalog.circle_page import build_page
from communities import circle as circles
from communities import location as locations
from communities.circle_words import DEFAULT_MINUTES, MINUTE_CHOICES, mode_labels
from communities.forms import (
    LOCATION_FORMS,
    AddressLocationForm,
    CircleQueryForm,
    CommunityLocationForm,
    PointLocationForm,
)
from communities.models import Community, ResidentAddress


def safe_next(request, default: str) -> str:
    """The `next` page to return to, if it is on this site; else the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return default


class LocationView(TemplateView):
    """Choose where the circle is drawn from: a saved address, a community, or a point."""

    template_name = "communities/location.html"

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind")
        target = safe_next(request, reverse("circle:index"))
        if kind == "clear":
            locations.clear_location(request)
            messages.info(request, _("已清除我的位置。"))
            return HttpResponseRedirect(reverse("circle:location"))
        form_class = LOCATION_FORMS.get(kind)
        if form_class is None:
            messages.error(request, _("请在下面选择一个地址、一个社区, 或填写坐标。"))
            return HttpResponseRedirect(reverse("circle:location"))
        form = form_class(request.POST, user=request.user) if form_class is AddressLocationForm else form_class(request.POST)
        if form.is_valid():
            locations.set_location(request, form.location)
            messages.success(request, _("已把“%(label)s”设为我的位置。") % {"label": form.location.label})
            return HttpResponseRedirect(target)
        return self.render_to_response(self.get_context_data(bound_form=form))

    def get_context_data(self, bound_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        forms = {
            locations.ADDRESS: AddressLocationForm(user=user),
            locations.COMMUNITY: CommunityLocationForm(),
            locations.POINT: PointLocationForm(),
        }
        errors = []
        if bound_form is not None:
            forms[bound_form.kind] = bound_form
            errors = [message for field_errors in bound_form.errors.values() for message in field_errors]
            invalid = [name for name in bound_form.errors if name in bound_form.fields]
            if invalid:  # the browser scrolls to the first field to fix
                bound_form.fields[invalid[0]].widget.attrs["autofocus"] = True
        current = locations.get_location(self.request)
        addresses = [
            {"address": address, "name": locations.address_name(address),
             "selected": bool(current and current.kind == locations.ADDRESS and current.address_id == address.pk)}
            for address in locations.saved_addresses(user=user)
        ]
        streets = [
            (street, [{"community": c, "selected": bool(current and current.kind == locations.COMMUNITY
                                                        and current.community_id == c.pk)} for c in communities])
            for street, communities in locations.communities_by_street()
        ]
        context.update(
            {
                "current": current,
                "address_form": forms[locations.ADDRESS],
                "community_form": forms[locations.COMMUNITY],
                "point_form": forms[locations.POINT],
                "error_kind": bound_form.kind if bound_form is not None else None,
                "errors": errors,
                "addresses": addresses,
                "streets": streets,
                "next": safe_next(self.request, ""),
                "login_url": reverse("customer:login") + "?" + QueryDict.fromkeys(["next"], reverse("circle:location")).urlencode(),
            }
        )
        return context


class CircleView(TemplateView):
    """The merchants within a walk (or a delivery) of the chosen location, by format, on a map."""

    template_name = "communities/circle.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = CircleQueryForm(self.request.GET)
        problems = form.problems()
        chosen = locations.get_location(self.request)
        origin, origin_params = self.origin_from_query(form, problems)
        from_query = origin is not None
        if origin is None:
            origin = chosen
        mode, minutes = form.chosen_mode, form.chosen_minutes
        context.update(
            {
                "problems": problems,
                "origin": origin,
                "from_query": from_query,
                "chosen": chosen,
                "mode": mode,
                "minutes": minutes,
                "mode_options": [
                    {"value": value, "label": label, "selected": value == mode,
                     "url": self.url(origin_params, mode=value, minutes=minutes)}
                    for value, label in mode_labels().items()
                ],
                "minute_options": [
                    {"value": value, "selected": value == minutes, "url": self.url(origin_params, mode=mode, minutes=value)}
                    for value in MINUTE_CHOICES
                ],
            }
        )
        if origin is None:
            return context
        circle = circles.make_circle(lat=origin.lat, lng=origin.lng, minutes=minutes, mode=mode)
        result = catalog_selectors.service_circle(circle=circle)
        communities = locations.district_communities(lat=origin.lat, lng=origin.lng, community_id=origin.community_id)
        context.update(
            {
                "page": build_page(result=result, communities=communities, home_community_id=origin.community_id),
                "save_here": from_query and not self.same_place(origin, chosen),
                "this_url": self.url(origin_params, mode=mode, minutes=minutes),
                "mine_url": self.url(QueryDict(), mode=mode, minutes=minutes),
            }
        )
        return context

    def origin_from_query(self, form, problems) -> tuple[locations.ChosenLocation | None, QueryDict]:
        """An origin named in the query string (a point, a community, a saved address) and the
        parameters that name it; (None, empty) when there is none or it is not valid."""
        params = QueryDict(mutable=True)
        lat, lng = form.value("lat"), form.value("lng")
        if lat is not None and lng is not None:
            params.update({"lat": str(lat), "lng": str(lng)})
            return locations.location_from_point(lat=lat, lng=lng), params
        community_id = form.value("community")
        if community_id is not None:
            try:
                location = locations.location_from_community(community_id=community_id)
            except Community.DoesNotExist:
                problems.append(_("没有找到这个社区, 请重新选择位置。"))
            else:
                params["community"] = str(community_id)
                return location, params
        address_id = form.value("address")
        if address_id is not None:
            try:
                location = locations.location_from_address(user=self.request.user, address_id=address_id)
            except ResidentAddress.DoesNotExist:
                problems.append(_("这个地址不在您保存的地址里。"))
            else:
                params["address"] = str(address_id)
                return location, params
        return None, QueryDict()

    @staticmethod
    def same_place(a, b) -> bool:
        return b is not None and (a.lat, a.lng) == (b.lat, b.lng)

    @staticmethod
    def url(origin_params: QueryDict, *, mode: str, minutes: int) -> str:
        params = origin_params.copy()
        if mode != circles.WALK:
            params["mode"] = mode
        if minutes != DEFAULT_MINUTES:
            params["minutes"] = str(minutes)
        query = params.urlencode()
        return reverse("circle:index") + (f"?{query}" if query else "")


class SurveyView(LoginRequiredMixin, TemplateView):
    """社区满意度问卷: four questions (convenience, price, quality, service, 1–5) about the
    resident's own community, at most once a quarter (communities.services.answer_survey)."""

    template_name = "communities/survey.html"

    def get_context_data(self, **kwargs):
        from django.utils import timezone

        from communities import services

        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            community=services.survey_community(user=self.request.user),
            answered=services.survey_answered(user=self.request.user, now=now),
            quarter=services.quarter_of(now),
            questions=[("convenience", _("买东西、办事方便吗?")), ("price", _("价格合理吗?")),
                       ("quality", _("商品和服务质量好吗?")), ("service", _("店员和配送服务态度好吗?"))],
            scores=[(5, _("很满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("很不满意"))],
        )
        return context

    def post(self, request, *args, **kwargs):
        from django.utils import timezone

        from communities import services
        from shop.core.errors import DomainError

        scores = {}
        for aspect in ("convenience", "price", "quality", "service"):
            value = request.POST.get(aspect, "")
            scores[aspect] = int(value) if value.isdigit() else 0
        try:
            services.answer_survey(user=request.user, scores=scores, comment=request.POST.get("comment", ""),
                                   now=timezone.now())
        except DomainError as error:
            context = self.get_context_data()
            context["error"] = error
            return self.render_to_response(context, status=400 if error.status_code == 422 else error.status_code)
        messages.success(request, _("谢谢您! 您的意见会送到社区和商务部门。"))
        return HttpResponseRedirect(reverse("circle:survey"))
