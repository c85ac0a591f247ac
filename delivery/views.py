"""The resident's tracking page (/orders/<number>/tracking/): each merchant's part of the order
with its status steps, estimated arrival, pickup code and a map of the point, the door and the
courier. static/js/tracking.js polls GET /api/v1/orders/<number>/tracking/ and moves the courier;
a changed status reloads the page. Reads go through delivery.selectors only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from delivery import selectors
from delivery.tracking_map import build_map

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
