from django import forms
from django.utils.translation import gettext_lazy as _

from delivery.models import FulfilmentGroup
from delivery.services import MAX_WEIGHT_G


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(FulfilmentGroup.Status.choices)
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("拒单原因"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("例如: 今日缺货")})
    )


class WeightsForm(forms.Form):
    """One grams field per weighed line; blank fields are left as they are."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.weighed = [line for line in lines if line.is_weighed]
        for line in self.weighed:
            self.fields[self.field_name(line)] = forms.IntegerField(
                label=_("%(title)s (预估 %(grams)s 克)")
                % {"title": line.order_line.title, "grams": line.estimated_weight_g},
                min_value=1, max_value=MAX_WEIGHT_G, required=False, initial=line.actual_weight_g,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("实际克数")}),
            )

    @staticmethod
    def field_name(line) -> str:
        return f"weight_{line.pk}"

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.weights():
            raise forms.ValidationError(_("请至少填写一件商品的实际重量"))
        return cleaned

    def weights(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[self.field_name(line)]
            for line in self.weighed
            if self.cleaned_data.get(self.field_name(line)) is not None
        }
