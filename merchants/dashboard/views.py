"""The merchant's order pages: its fulfilment groups and the actions on them.

Every page answers 404 for a group of another merchant (never "forbidden": others must not
learn that it exists). Writes go through delivery.services; a refused action comes back as a
message on the group's page, never as an error page.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView
from oscar.views.decorators import permissions_required

from delivery import lifecycle, services
from delivery.models import FulfilmentGroup
from shop.checkout.services import reject_group
from shop.core.errors import DomainError

from . import selectors
from .access import MERCHANT_PERMISSION
from .forms import RejectForm, StatusFilterForm, WeightsForm

S = FulfilmentGroup.Status
# events that are facts rather than statuses (delivery.services), then the statuses
EVENT_LABELS = {
    "accepted": gettext_lazy("商户接单"),
    "weighed": gettext_lazy("称重"),
    "ready": gettext_lazy("备货完成"),
    **dict(S.choices),
}

merchant_required = method_decorator(
    permissions_required([MERCHANT_PERMISSION], login_url=reverse_lazy("dashboard:login")), name="dispatch"
)


@merchant_required
class GroupListView(ListView):
    template_name = "merchants/dashboard/group_list.html"
    context_object_name = "groups"
    paginate_by = selectors.PAGE_SIZE

    def get_queryset(self):
        self.form = StatusFilterForm(self.request.GET or None)
        status = self.form.cleaned_data["status"] if self.form.is_valid() else ""
        if self.form.is_bound and not self.form.is_valid():
            messages.error(self.request, _("没有这个状态, 已显示全部订单"))
        return selectors.merchant_groups(user=self.request.user, status=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


@merchant_required
class GroupDetailView(DetailView):
    template_name = "merchants/dashboard/group_detail.html"
    context_object_name = "group"

    def get_object(self, queryset=None):
        group = selectors.merchant_group(user=self.request.user, pk=self.kwargs["pk"])
        if group is None:
            raise Http404(_("没有这个履约单"))
        return group

    def get_context_data(self, **kwargs):
        group = self.object
        lines = list(selectors.group_lines(group))
        at_shop = group.status in lifecycle.IN_SHOP
        weights_form = WeightsForm(lines=lines)
        return super().get_context_data(
            lines=lines,
            customer=selectors.customer_details(group),
            events=[(event, EVENT_LABELS.get(event.status, event.status)) for event in group.events.order_by("at", "pk")],
            can_accept=at_shop and not group.accepted_at,
            can_reject=at_shop,
            can_weigh=lifecycle.in_shop(group) and bool(weights_form.weighed),
            can_ready=at_shop and bool(group.accepted_at) and not group.ready_at,
            weights_form=weights_form,
            reject_form=RejectForm(),
            **kwargs,
        )


def _error_message(error: DomainError) -> str:
    details = [str(message) for messages_ in error.fields.values() for message in messages_]
    return "; ".join([str(error.detail), *details]) if details else str(error.detail)


def _form_errors(form) -> str:
    return "; ".join(str(message) for errors in form.errors.values() for message in errors)


@merchant_required
class GroupActionView(View):
    """POST only: load the merchant's own group (404 otherwise), act, and go back to its page."""

    http_method_names = ["post"]
    success_message = ""

    def post(self, request, pk):
        group = selectors.merchant_group(user=request.user, pk=pk)
        if group is None:
            raise Http404(_("没有这个履约单"))
        try:
            if self.act(group):
                messages.success(request, str(self.success_message))
        except services.GroupNotFound:
            raise Http404(_("没有这个履约单")) from None
        except DomainError as error:
            messages.error(request, _error_message(error))
        return HttpResponseRedirect(reverse("merchant-orders:group-detail", kwargs={"pk": group.pk}))

    def act(self, group) -> bool:
        raise NotImplementedError


class AcceptView(GroupActionView):
    success_message = gettext_lazy("已接单")

    def act(self, group):
        services.accept_group(group_id=group.pk, user=self.request.user)
        return True


class RejectView(GroupActionView):
    success_message = gettext_lazy("已拒单, 库存已退回")

    def act(self, group):
        form = RejectForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, _form_errors(form))
            return False
        reject_group(group_id=group.pk, user=self.request.user, reason=form.cleaned_data["reason"])
        return True


class WeightsView(GroupActionView):
    success_message = gettext_lazy("已记录实际重量")

    def act(self, group):
        form = WeightsForm(self.request.POST, lines=list(selectors.group_lines(group)))
        if not form.is_valid():
            messages.error(self.request, _form_errors(form))
            return False
        services.record_weights(group_id=group.pk, user=self.request.user, weights=form.weights())
        return True


class ReadyView(GroupActionView):
    success_message = gettext_lazy("已标记备货完成")

    def act(self, group):
        services.mark_ready(group_id=group.pk, user=self.request.user)
        return True
