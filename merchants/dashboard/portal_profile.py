"""The merchant portal's shop profile (hours, holidays, pause, money, service area) and slot
templates with their bookings."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delivery import slot_templates
from merchants import profile_services
from shop.core.errors import DomainError

from . import selectors
from .area_map import build_area_map, nearby_communities
from .portal_base import PortalAction, PortalPage
from .portal_forms import AreaForm, ExceptionForm, PauseForm, PeriodForm, ProfileForm, SlotTemplateForm

# --- the shop's profile ------------------------------------------------------------------------------


class ProfileView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/profile.html"

    def get_context_data(self, **kwargs):
        shop = self.ctx.shop
        communities = nearby_communities(shop)
        kwargs.setdefault("profile_form", ProfileForm(initial={
            "phone": shop.phone, "min_order": shop.min_order, "delivery_fee": shop.delivery_fee,
            "delivery_capability": shop.delivery_capability, "low_stock_summary": shop.low_stock_summary}))
        kwargs.setdefault("area_form", AreaForm(communities=communities, initial={
            "radius_m": shop.service_radius_m,
            "communities": list(shop.communities_served.values_list("pk", flat=True))}))
        return super().get_context_data(
            period_form=PeriodForm(), exception_form=ExceptionForm(), pause_form=PauseForm(),
            periods=shop.opening_periods.order_by("weekday", "opens"),
            exceptions=shop.opening_exceptions.filter(date__gte=timezone.localdate()).order_by("date"),
            area_map=build_area_map(shop, communities), paused=shop.is_paused(timezone.now()), **kwargs,
        )


class ProfileAction(PortalAction):
    owner_only = True
    form_class = None

    def default_url(self, **kwargs):
        return reverse("merchant-portal:profile")

    def act(self, request, **kwargs):
        form = self.form_class(request.POST, **self.form_kwargs())
        if not form.is_valid():
            raise DomainError(_("填写有误"), fields={k: list(v) for k, v in form.errors.items()})
        return self.apply(form.cleaned_data, **kwargs)

    def form_kwargs(self) -> dict:
        return {}


class ProfileSaveView(ProfileAction):
    form_class = ProfileForm

    def apply(self, data):
        profile_services.update_profile(shop_id=self.ctx.shop.pk, min_order=data["min_order"], delivery_fee=data["delivery_fee"],
                                delivery_capability=data["delivery_capability"], phone=data["phone"],
                                low_stock_summary=data["low_stock_summary"])
        return _("店铺设置已保存")


class AreaSaveView(ProfileAction):
    form_class = AreaForm

    def form_kwargs(self):
        return {"communities": nearby_communities(self.ctx.shop)}

    def apply(self, data):
        polygon = data.get("polygon") or None
        if polygon is not None and not isinstance(polygon, dict):
            raise DomainError(_("画的服务区域无效"), fields={"polygon": [_("画的服务区域无效")]})
        profile_services.set_service_area(shop_id=self.ctx.shop.pk, radius_m=data["radius_m"],
                                  community_ids=data["communities"], polygon=polygon)
        return _("服务范围已保存")


class PeriodAddView(ProfileAction):
    form_class = PeriodForm

    def apply(self, data):
        profile_services.add_opening_period(shop_id=self.ctx.shop.pk, weekday=data["weekday"], opens=data["opens"],
                                    closes=data["closes"])
        return _("已添加营业时间")


class PeriodRemoveView(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:profile")

    def act(self, request, pk):
        profile_services.remove_opening_period(shop_id=self.ctx.shop.pk, period_id=pk)
        return _("已删除营业时间")


class ExceptionAddView(ProfileAction):
    form_class = ExceptionForm

    def apply(self, data):
        profile_services.set_opening_exception(shop_id=self.ctx.shop.pk, date=data["date"], is_closed=data["is_closed"],
                                       opens=data["opens"], closes=data["closes"], note=data["note"],
                                       today=timezone.localdate())
        return _("已保存特殊营业日")


class ExceptionRemoveView(PeriodRemoveView):
    def act(self, request, pk):
        profile_services.remove_opening_exception(shop_id=self.ctx.shop.pk, exception_id=pk)
        return _("已删除特殊营业日")


class PauseView(ProfileAction):
    form_class = PauseForm

    def act(self, request, **kwargs):
        if request.POST.get("resume"):
            profile_services.resume_shop(shop_id=self.ctx.shop.pk)
            return _("已恢复营业")
        return super().act(request, **kwargs)

    def apply(self, data):
        profile_services.pause_shop(shop_id=self.ctx.shop.pk, until=data["until"], reason=data["reason"], now=timezone.now())
        return _("已暂停营业")


# --- slots ----------------------------------------------------------------------------------------------


def _template_fields(data):
    from delivery.slot_templates import TemplateFields

    return TemplateFields(kind=data["kind"], weekday=data["weekday"], starts=data["starts"], ends=data["ends"],
                          slot_minutes=data["slot_minutes"], capacity=data["capacity"], product_id=data["product"])


class SlotsView(PortalPage):
    """The slot templates (owner edits) and the coming slots with their bookings (everyone)."""

    template_name = "merchants/portal/slots.html"

    def get_context_data(self, **kwargs):
        shop_id = self.ctx.shop.pk
        service_products = selectors.shop_service_products(shop_id=shop_id)
        templates = list(selectors.shop_slot_templates(shop_id=shop_id))
        now = timezone.now()
        forms_by_template = [
            (t, SlotTemplateForm(services=service_products, prefix=f"t{t.pk}", initial={
                "kind": t.kind, "product": t.product_id, "weekday": t.weekday, "starts": t.starts, "ends": t.ends,
                "slot_minutes": t.slot_minutes, "capacity": t.capacity}))
            for t in templates
        ]
        slots = list(slot_templates.coming_slots(merchant_id=shop_id, now=now))
        return super().get_context_data(
            template_forms=forms_by_template, new_form=SlotTemplateForm(services=service_products, prefix="new"),
            slots=slots, bookings=selectors.slot_bookings(slot_ids=[s.pk for s in slots]), **kwargs,
        )


class SlotTemplateSave(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:slots")

    def act(self, request, pk=None):
        form = SlotTemplateForm(request.POST, services=selectors.shop_service_products(shop_id=self.ctx.shop.pk),
                                prefix=f"t{pk}" if pk else "new")
        if not form.is_valid():
            raise DomainError(_("时段模板填写有误"), fields={k: list(v) for k, v in form.errors.items()})
        fields = _template_fields(form.cleaned_data)
        if pk is None:
            slot_templates.create_template(merchant=self.ctx.shop, fields=fields, now=timezone.now())
            return _("已添加时段模板, 未来几天的时段已生成")
        slot_templates.update_template(template_id=pk, merchant_id=self.ctx.shop.pk, fields=fields, now=timezone.now())
        return _("已保存时段模板; 已有预约的时段保持不变")


class SlotTemplateDelete(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:slots")

    def act(self, request, pk):
        slot_templates.delete_template(template_id=pk, merchant_id=self.ctx.shop.pk, now=timezone.now())
        return _("已删除时段模板; 已有预约的时段保留")
