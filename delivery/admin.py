from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from shop.core.errors import DomainError

from . import point_stock
from .models import (
    Courier,
    DispatchDecision,
    DispatchJob,
    FulfilmentEvent,
    FulfilmentGroup,
    FulfilmentLine,
    FulfilmentPoint,
    JobOffer,
    PointHours,
    PointStock,
    ServiceProvider,
    StationOperator,
)


class PointStockInline(admin.TabularInline):
    """Units of merchants' listings held at a point (a store needs none: it holds its own stock).
    Shown only: units change through the point stock page, as ledger movements."""

    model = PointStock
    extra = 0
    fields = readonly_fields = ["listing", "num_in_stock"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class PointHoursInline(admin.TabularInline):
    """A warehouse's or station's weekly hours; a store follows its merchant's hours instead."""

    model = PointHours
    extra = 0


class StationOperatorInline(admin.TabularInline):
    """Who hands parcels over at a community station (/station/)."""

    model = StationOperator
    extra = 0
    raw_id_fields = ["user"]


@admin.register(FulfilmentPoint)
class FulfilmentPointAdmin(admin.ModelAdmin):
    inlines = [PointHoursInline, StationOperatorInline, PointStockInline]
    list_display = ["name", "kind", "community", "merchant", "capacity_per_hour", "opens", "closes", "is_active"]
    list_filter = ["kind", "community", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["merchant"]


class PointStockForm(forms.ModelForm):
    """The units as the page showed them travel with the form: saving applies the difference."""

    shown_in_stock = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = PointStock
        fields = ["point", "listing", "num_in_stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["shown_in_stock"].initial = self.instance.num_in_stock


@admin.register(PointStock)
class PointStockAdmin(admin.ModelAdmin):
    """Saving never writes the row back: the change from the units shown goes through
    point_stock.adjust_point_stock (F() and a ledger movement), so a concurrent change stays."""

    form = PointStockForm
    list_display = ["point", "listing", "num_in_stock"]
    list_filter = ["point__kind"]
    search_fields = ["point__name", "listing__partner_sku", "listing__product__title"]
    raw_id_fields = ["point", "listing"]
    list_select_related = ["point", "listing"]

    def get_readonly_fields(self, request, obj=None):
        return ["point", "listing"] if obj else []

    def has_delete_permission(self, request, obj=None):
        # units leave a point as ledger movements (counted to 0), never by deleting the row
        return False

    def save_model(self, request, obj, form, change):
        shown = form.cleaned_data.get("shown_in_stock")
        base = (shown if shown is not None else form.initial.get("num_in_stock", 0)) if change else 0
        wanted = form.cleaned_data["num_in_stock"]
        try:
            row = point_stock.adjust_point_stock(point_id=obj.point_id, listing_id=obj.listing_id, delta=wanted - base,
                                                 actor=request.user, note=f"admin: {base} -> {wanted}")
        except DomainError as error:
            messages.error(request, str(error))
            row = PointStock.objects.get(point_id=obj.point_id, listing_id=obj.listing_id)
        obj.pk, obj.num_in_stock = row.pk, row.num_in_stock


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ["name", "vehicle", "status", "capacity", "merchant", "home_point", "last_seen"]
    list_filter = ["status", "vehicle", ("merchant", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__mobile"]
    raw_id_fields = ["user", "home_point", "merchant"]


# --- dispatch: read-mostly pages for an operator investigating a stuck order ---------------------
# A group's status changes only through delivery.services.transition (with an event), so groups,
# events, dispatch jobs, decisions and offers are shown, never edited here. The one action,
# "dispatch now", calls the dispatch core like the routing task does.


class NoEditing:
    """No add, change or delete: a group's status changes only through transition."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoEditing, admin.ModelAdmin):
    """View only (the change page answers in view mode)."""

    def has_dispatch_permission(self, request):
        """The "dispatch now" action: for those who may change fulfilment groups."""
        return request.user.has_perm("delivery.change_fulfilmentgroup")


class ReadOnlyInline(NoEditing, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


@admin.action(description=_("立即调度 (分配履约点并派单)"), permissions=["dispatch"])
def dispatch_now(modeladmin, request, queryset):
    """Route and offer the chosen groups now, as the routing task would; idempotent."""
    from . import dispatch

    group_ids = (queryset.values_list("group_id", flat=True) if queryset.model is DispatchJob
                 else queryset.values_list("pk", flat=True))
    outcomes = []
    for group_id in group_ids:
        try:
            outcomes.append(f"{group_id}: {dispatch.route_and_offer(group_id=group_id)}")
        except Exception as exc:  # one group's trouble must not hide the others'
            outcomes.append(f"{group_id}: {type(exc).__name__}: {exc}")
    modeladmin.message_user(request, _("已调度: %(outcomes)s") % {"outcomes": "; ".join(outcomes)})


class FulfilmentEventInline(ReadOnlyInline):
    model = FulfilmentEvent
    fields = ["at", "status", "actor", "note"]
    readonly_fields = fields
    ordering = ["at", "pk"]


class FulfilmentLineInline(ReadOnlyInline):
    model = FulfilmentLine
    fields = ["order_line", "listing", "slot", "quantity", "unit_price", "estimated_amount", "estimated_weight_g",
              "actual_weight_g", "final_amount"]
    readonly_fields = fields


class JobOfferInline(ReadOnlyInline):
    model = JobOffer
    fk_name = "group"
    fields = ["offered_at", "courier", "provider", "state", "expires_at", "answered_at", "note", "run"]
    readonly_fields = fields


class DispatchDecisionInline(ReadOnlyInline):
    model = DispatchDecision
    fields = ["decided_at", "point", "reason", "chain_reason"]
    readonly_fields = fields

    @admin.display(description=_("合并配送"))
    def chain_reason(self, obj):
        """Chained with which jobs and the minutes saved, or why not (delivery.runs)."""
        return (obj.chain or {}).get("reason", "")


def _order_number(obj) -> str:
    return obj.group.order.number


@admin.register(FulfilmentGroup)
class FulfilmentGroupAdmin(ReadOnlyAdmin):
    list_display = ["pk", "order_number", "merchant", "method", "status", "point", "courier", "created_at",
                    "promised_at", "completed_at", "updated_at"]
    list_display_links = ["pk", "order_number"]
    list_filter = ["status", "method"]
    search_fields = ["order__number", "=pk", "merchant__name", "courier__name"]
    list_select_related = ["order", "merchant", "point", "courier"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    exclude = ["pickup_code"]  # the resident's secret: an operator has no need to read it
    inlines = [FulfilmentEventInline, FulfilmentLineInline, DispatchDecisionInline, JobOfferInline]
    actions = [dispatch_now]

    @admin.display(description=_("订单号"), ordering="order__number")
    def order_number(self, obj):
        return obj.order.number

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "pickup_code"]


@admin.register(DispatchJob)
class DispatchJobAdmin(ReadOnlyAdmin):
    list_display = ["group", "order_number", "status", "requested_at", "sent_at", "routed_at", "provider", "eta_at"]
    list_filter = [("routed_at", admin.EmptyFieldListFilter), "group__status"]
    search_fields = ["group__order__number", "=group__pk"]
    list_select_related = ["group__order", "group__merchant", "provider"]
    ordering = ["-requested_at", "-pk"]
    actions = [dispatch_now]

    @admin.display(description=_("订单号"), ordering="group__order__number")
    def order_number(self, obj):
        return _order_number(obj)

    @admin.display(description=_("履约状态"), ordering="group__status")
    def status(self, obj):
        return obj.group.get_status_display()


@admin.register(DispatchDecision)
class DispatchDecisionAdmin(ReadOnlyAdmin):
    list_display = ["decided_at", "group", "order_number", "point", "reason"]
    list_filter = [("point", admin.EmptyFieldListFilter), ("decided_at", admin.DateFieldListFilter)]
    search_fields = ["group__order__number", "=group__pk", "reason"]
    list_select_related = ["group__order", "group__merchant", "point"]
    ordering = ["-decided_at", "-pk"]
    fields = ["group", "decided_at", "point", "reason", "candidate_table"]
    readonly_fields = fields

    @admin.display(description=_("订单号"), ordering="group__order__number")
    def order_number(self, obj):
        return _order_number(obj)

    @admin.display(description=_("候选履约点"))
    def candidate_table(self, obj):
        """Every candidate the routing weighed: travel time, chosen or why it lost."""
        if not obj.candidates:
            return "-"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    c.get("point_id"), c.get("name", ""), c.get("kind", ""),
                    "-" if c.get("travel_min") is None else c["travel_min"],
                    _("选中") if c.get("chosen") else (c.get("reason") or ""),
                )
                for c in obj.candidates
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            "ID", _("名称"), _("类型"), _("路程 (分钟)"), _("结果"), rows,
        )


@admin.register(JobOffer)
class JobOfferAdmin(ReadOnlyAdmin):
    list_display = ["offered_at", "group", "order_number", "courier", "provider", "state", "expires_at",
                    "answered_at", "note"]
    list_filter = ["state", ("offered_at", admin.DateFieldListFilter)]
    search_fields = ["group__order__number", "=group__pk", "courier__name", "provider__name"]
    list_select_related = ["group__order", "group__merchant", "courier", "provider"]
    ordering = ["-offered_at", "-pk"]

    @admin.display(description=_("订单号"), ordering="group__order__number")
    def order_number(self, obj):
        return _order_number(obj)


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    """Staff records of home-service providers: editable (no status machine behind them)."""

    list_display = ["name", "merchant", "user", "status", "last_lat", "last_lng"]
    list_filter = ["status"]
    search_fields = ["name", "merchant__name", "user__mobile"]
    list_select_related = ["merchant", "user"]
    raw_id_fields = ["merchant", "user"]
