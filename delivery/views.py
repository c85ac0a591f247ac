"""The resident's tracking page (/orders/<number>/tracking/): each merchant's part of the order
with its status steps, estimated arrival, pickup code and a map of the point, the door and the
courier. static/js/tracking.js polls GET /api/v1/orders/<number>/tracking/ and moves the courier;
a changed status reloads the page. Reads go through delivery.selectors only."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from delivery import dispatch, handover, selectors
from delivery.tracking_map import build_map
from shop.core.errors import DomainError

POLL_SECONDS = 10


def _at(place):
    return (place.lat, place.lng) if place is not None else None


def group_map(group: selectors.GroupTracking):
    courier = group.courier if group.courier is not None and group.courier.lat is not None else None
    return build_map(
        point=_at(group.point),
        station=_at(group.pickup_point),
        home=_at(group.dropoff),
        courier=_at(courier),
        courier_target=group.courier_target,
    )


class TrackingPageView(LoginRequiredMixin, TemplateView):
    template_name = "delivery/tracking.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tracking = selectors.order_tracking(number=kwargs["number"], user=self.request.user)
        if tracking is None:
            raise Http404(_("没有找到这个订单。"))
        context.update(
            {
                "tracking": tracking,
                "cards": [{"group": group, "map": group_map(group)} for group in tracking.groups],
                "api_url": reverse("api:order-tracking", kwargs={"number": tracking.number}),
                "poll_seconds": POLL_SECONDS,
                "time_zone": settings.TIME_ZONE,
            }
        )
        return context


# --- the people who end orders: station operators and home-service providers (issue 11) -------
#
# Phone-sized pages. Each answers 404 for a parcel or booking that is not the caller's (never
# "forbidden"); writes go through delivery.handover / delivery.dispatch, and a refused action
# comes back as a message on the same page, never as an error page.


class CodeForm(forms.Form):
    pickup_code = forms.RegexField(
        regex=r"^\d{6}$", label=gettext_lazy("取货码"), max_length=6,
        error_messages={"invalid": gettext_lazy("取货码是 6 位数字。"), "required": gettext_lazy("请输入 6 位取货码。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": r"\d{6}"}),
    )


def error_message(error: DomainError) -> str:
    details = [str(message) for field in error.fields.values() for message in field]
    text = "; ".join([str(error.detail), *[d for d in details if d != str(error.detail)]])
    left = error.extra.get("attempts_left")
    if left is not None:
        text += " " + _("(还可以再试 %(n)s 次)") % {"n": left}
    return text


def form_message(form) -> str:
    return "; ".join(str(message) for errors in form.errors.values() for message in errors)


class StationPageView(LoginRequiredMixin, View):
    """/station/: the parcels waiting at the operator's stations, each handed over with the
    resident's code; the ones handed over today."""

    template_name = "delivery/station.html"

    def get(self, request):
        points = handover.operator_points(request.user)
        if not points:
            raise Http404(_("您不是自提点管理员。"))
        search = request.GET.get("q", "")[:20]
        return render(request, self.template_name, {
            "stations": selectors.operated_stations(user=request.user),
            "parcels": selectors.waiting_pickups(point_ids=points, search=search),
            "handed_over": selectors.collected_today(point_ids=points),
            "search": search,
            "form": CodeForm(),
        })


class StationHandoverView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, group_id: int):
        if not selectors.operator_may_see(user=request.user, group_id=group_id):
            raise Http404(_("没有这个包裹。"))
        form = CodeForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_message(form))
            return HttpResponseRedirect(reverse("delivery:station"))
        try:
            group = handover.station_handover(user=request.user, group_id=group_id,
                                              pickup_code=form.cleaned_data["pickup_code"])
        except handover.GroupNotFound:
            raise Http404(_("没有这个包裹。")) from None
        except DomainError as error:
            messages.error(request, error_message(error))
        else:
            messages.success(request, _("订单 %(number)s 已交给居民") % {"number": group.order.number})
        return HttpResponseRedirect(reverse("delivery:station"))


PROVIDER_ACTIONS = {
    "accept": (dispatch.provider_accept, gettext_lazy("已接单")),
    "decline": (dispatch.provider_decline, gettext_lazy("已拒单, 将改派他人")),
    "start": (dispatch.provider_start, gettext_lazy("已出发")),
    "arrive": (handover.provider_arrive, gettext_lazy("已到达")),
}


class ProviderPageView(LoginRequiredMixin, View):
    """/provider/: a home-service provider's bookings today: offers to accept or decline, the
    bookings they hold (set off, arrived, done with the resident's code) and today's done ones."""

    template_name = "delivery/provider.html"

    def get(self, request):
        provider = selectors.provider_of(request.user)
        if provider is None:
            raise Http404(_("您不是上门服务人员。"))
        return render(request, self.template_name, {
            "provider": provider,
            "bookings": selectors.provider_bookings(provider=provider),
            "form": CodeForm(),
        })


class ProviderActionView(LoginRequiredMixin, View):
    """POST action=accept|decline|start|arrive|complete (complete with pickup_code)."""

    http_method_names = ["post"]

    def post(self, request, group_id: int):
        provider = selectors.provider_of(request.user)
        if provider is None or not selectors.provider_may_see(provider=provider, group_id=group_id):
            raise Http404(_("没有这个预约。"))
        action = request.POST.get("action", "")
        try:
            if action == "complete":
                form = CodeForm(request.POST)
                if not form.is_valid():
                    messages.error(request, form_message(form))
                    return HttpResponseRedirect(reverse("delivery:provider"))
                dispatch.provider_complete(provider=provider, group_id=group_id,
                                           pickup_code=form.cleaned_data["pickup_code"])
                done = _("服务已完成")
            elif action in PROVIDER_ACTIONS:
                act, done = PROVIDER_ACTIONS[action]
                act(provider=provider, group_id=group_id)
            else:
                messages.error(request, _("没有这个操作。"))
                return HttpResponseRedirect(reverse("delivery:provider"))
        except DomainError as error:
            messages.error(request, error_message(error))
        else:
            messages.success(request, str(done))
        return HttpResponseRedirect(reverse("delivery:provider"))
class RateOrderView(LoginRequiredMixin, TemplateView):
    """评价订单: the resident scores each shop of a completed order (1–5, optional comment),
    once. Writes go through delivery.ratings; someone else's order is a 404."""

    template_name = "delivery/rate.html"

    def groups(self, number):
        from delivery import ratings
        from shop.core.errors import NotFoundError

        try:
            return ratings.rateable_groups(order_number=number, user=self.request.user)
        except NotFoundError:
            raise Http404(_("没有找到这个订单。")) from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(number=kwargs["number"], groups=self.groups(kwargs["number"]), scores=range(5, 0, -1))
        return context

    def post(self, request, number):
        from django.contrib import messages
        from django.http import HttpResponseRedirect
        from django.utils import timezone

        from delivery import ratings
        from shop.core.errors import DomainError

        groups = self.groups(number)
        given = []
        for group in groups:
            if group.existing is not None:
                continue
            score = request.POST.get(f"score_{group.merchant_id}", "")
            if not score:
                continue
            given.append(ratings.RatingInput(merchant_id=group.merchant_id, score=int(score) if score.isdigit() else 0,
                                             comment=request.POST.get(f"comment_{group.merchant_id}", "")))
        try:
            ratings.rate_order(order_number=number, user=request.user, ratings=given, now=timezone.now())
        except DomainError as error:
            context = self.get_context_data(number=number)
            context["error"] = error
            return self.render_to_response(context, status=error.status_code if error.status_code != 422 else 400)
        messages.success(request, _("谢谢您的评价!"))
        return HttpResponseRedirect(reverse("delivery:rate", kwargs={"number": number}))
