"""Forms of the checkout pages: reading the one-page checkout's choices, and adding an address."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delivery.models import FulfilmentGroup

from .models import Payment
from .selectors import GroupOptions
from .services import GroupChoice

# How a merchant's part is fulfilled, one radio per group: `fulfil_<merchant id>`.
ASAP, WINDOW, SHOP, STATION, SERVICE = "asap", "window", "shop", "station", "service"


@dataclass
class CheckoutChoices:
    """The checkout form as posted (or as first shown): what is chosen, and what is missing."""

    address_id: str = ""
    payment: str = Payment.Provider.COD
    fulfil: dict[int, str] = field(default_factory=dict)  # merchant id -> ASAP, WINDOW, SHOP, STATION, SERVICE
    window: dict[int, str] = field(default_factory=dict)  # merchant id -> delivery slot id
    station: dict[int, str] = field(default_factory=dict)  # merchant id -> pickup point id
    errors: dict[int, list[str]] = field(default_factory=dict)  # merchant id -> messages

    def group_choices(self, options: list[GroupOptions]) -> list[GroupChoice]:
        """GroupChoice per merchant; a missing or unreadable choice is recorded in `errors`."""
        choices = []
        for option in options:
            merchant_id = option.merchant.pk
            how = self.fulfil.get(merchant_id, "")
            if how in (ASAP, SERVICE):
                choices.append(GroupChoice(merchant_id=merchant_id, method=FulfilmentGroup.Method.DELIVERY))
            elif how == WINDOW:
                slot_id = _number(self.window.get(merchant_id))
                if slot_id is None:
                    self.errors.setdefault(merchant_id, []).append(_("请选择送货时段"))
                    continue
                choices.append(GroupChoice(merchant_id=merchant_id, method=FulfilmentGroup.Method.DELIVERY, slot_id=slot_id))
            elif how == SHOP:
                choices.append(GroupChoice(merchant_id=merchant_id, method=FulfilmentGroup.Method.PICKUP))
            elif how == STATION:
                point_id = _number(self.station.get(merchant_id))
                if point_id is None:
                    self.errors.setdefault(merchant_id, []).append(_("请选择社区自提点"))
                    continue
                choices.append(GroupChoice(merchant_id=merchant_id, method=FulfilmentGroup.Method.PICKUP,
                                           pickup_point_id=point_id))
            else:
                self.errors.setdefault(merchant_id, []).append(_("请选择送货上门或自提"))
        return choices


def _number(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def posted_choices(data, options: list[GroupOptions]) -> CheckoutChoices:
    choices = CheckoutChoices(address_id=data.get("address_id", ""), payment=data.get("payment", ""))
    for option in options:
        merchant_id = option.merchant.pk
        choices.fulfil[merchant_id] = data.get(f"fulfil_{merchant_id}", "")
        choices.window[merchant_id] = data.get(f"window_{merchant_id}", "")
        choices.station[merchant_id] = data.get(f"station_{merchant_id}", "")
    return choices


def initial_choices(options: list[GroupOptions], *, address_id) -> CheckoutChoices:
    """First shown: home services at home, goods delivered as soon as possible when they can
    be, else picked up at the shop; cash on delivery."""
    choices = CheckoutChoices(address_id=str(address_id or ""))
    for option in options:
        merchant_id = option.merchant.pk
        if option.is_service:
            choices.fulfil[merchant_id] = SERVICE
        else:
            choices.fulfil[merchant_id] = ASAP if option.can_deliver else SHOP
    return choices


class AddressSearchForm(forms.Form):
    """Find one's room in the standard address register of a community."""

    community = forms.TypedChoiceField(label=gettext_lazy("社区"), coerce=int, error_messages={
        "required": gettext_lazy("请选择社区"), "invalid_choice": gettext_lazy("请从列表中选择社区")})
    compound = forms.CharField(label=gettext_lazy("小区"), max_length=64, required=False,
                               widget=forms.TextInput(attrs={"class": "form-control form-control-lg",
                                                             "placeholder": gettext_lazy("例如 青岛路小区")}))
    building = forms.CharField(label=gettext_lazy("楼栋"), max_length=16, required=False,
                               widget=forms.TextInput(attrs={"class": "form-control form-control-lg",
                                                             "placeholder": gettext_lazy("例如 3")}))
    room = forms.CharField(label=gettext_lazy("室"), max_length=16, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-lg",
                                                         "placeholder": gettext_lazy("例如 302")}))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, f"{c.street} · {c.name}") for c in communities]
        self.fields["community"].widget.attrs["class"] = "form-control form-control-lg"

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("compound", "building", "room")):
            raise forms.ValidationError(_("请至少填写小区、楼栋或室号中的一项"))
        return data
