"""Forms of the location page (我的位置) and the circle page's query string.

Error messages are whole Chinese sentences that say what to do, for residents who are not
used to forms; they never show a traceback.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communities import circle as circles
from communities import location as locations
from communities.circle_words import DEFAULT_MINUTES, MINUTE_CHOICES
from communities.models import Community, ResidentAddress

LAT_ERROR = _("纬度要填 -90 到 90 之间的数字, 例如 32.0668。")
LNG_ERROR = _("经度要填 -180 到 180 之间的数字, 例如 118.7784。")


def _lat_field(required=True):
    messages = {"required": _("请填写纬度。"), "invalid": LAT_ERROR, "min_value": LAT_ERROR, "max_value": LAT_ERROR}
    return forms.FloatField(label=_("纬度"), required=required, min_value=-90, max_value=90, error_messages=messages,
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control form-control-lg",
                                                          "autocomplete": "off"}))


def _lng_field(required=True):
    messages = {"required": _("请填写经度。"), "invalid": LNG_ERROR, "min_value": LNG_ERROR, "max_value": LNG_ERROR}
    return forms.FloatField(label=_("经度"), required=required, min_value=-180, max_value=180, error_messages=messages,
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control form-control-lg",
                                                          "autocomplete": "off"}))


class AddressLocationForm(forms.Form):
    """One of the signed-in resident's own saved addresses."""

    kind = locations.ADDRESS
    address = forms.IntegerField(label=_("我保存的地址"), error_messages={
        "required": _("请选择一个地址。"), "invalid": _("请从列表中选择一个地址。"),
    })

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.location = None

    def clean_address(self):
        address_id = self.cleaned_data["address"]
        if self.user is None or not self.user.is_authenticated:
            raise forms.ValidationError(_("请先登录, 再选择您保存的地址。"), code="login")
        try:
            self.location = locations.location_from_address(user=self.user, address_id=address_id)
        except ResidentAddress.DoesNotExist:
            raise forms.ValidationError(
                _("这个地址不在您保存的地址里, 请从下面的列表中选择。"), code="not_yours"
            ) from None
        return address_id


class CommunityLocationForm(forms.Form):
    """A community, standing at its centroid."""

    kind = locations.COMMUNITY
    community = forms.IntegerField(label=_("社区"), error_messages={
        "required": _("请选择一个社区。"), "invalid": _("请从列表中选择一个社区。"),
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = None

    def clean_community(self):
        community_id = self.cleaned_data["community"]
        try:
            self.location = locations.location_from_community(community_id=community_id)
        except Community.DoesNotExist:
            raise forms.ValidationError(_("没有找到这个社区, 请从列表中选择。"), code="no_community") from None
        return community_id


class PointLocationForm(forms.Form):
    """A point: typed, or filled in by the browser's "use my location" button."""

    kind = locations.POINT
    lat = _lat_field()
    lng = _lng_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.location = None

    def clean(self):
        data = super().clean()
        if "lat" in data and "lng" in data:
            self.location = locations.location_from_point(lat=data["lat"], lng=data["lng"])
        return data


LOCATION_FORMS = {form.kind: form for form in (AddressLocationForm, CommunityLocationForm, PointLocationForm)}


class CircleQueryForm(forms.Form):
    """The circle page's query string: an origin (else the chosen location), mode and minutes.

    Every field is optional; the view reports invalid ones in plain words and falls back to
    the defaults (or to the chosen location), so an old or mistyped link still shows a page.
    """

    lat = _lat_field(required=False)
    lng = _lng_field(required=False)
    community = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": _("没有找到这个社区, 请重新选择位置。"), "min_value": _("没有找到这个社区, 请重新选择位置。"),
    })
    address = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": _("这个地址不在您保存的地址里。"), "min_value": _("这个地址不在您保存的地址里。"),
    })
    mode = forms.ChoiceField(required=False, choices=[(m, m) for m in (circles.WALK, circles.ELDERLY, circles.DELIVERY)],
                             error_messages={"invalid_choice": _("出行方式只能选 步行、老人步行 或 配送, 已按步行显示。")})
    minutes = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[(str(m), str(m)) for m in MINUTE_CHOICES],
        error_messages={"invalid_choice": _("时间只能选 5、10、15、20 或 30 分钟, 已按 15 分钟显示。")},
    )

    def clean(self):
        data = super().clean()
        has_lat = self.data.get("lat") not in (None, "")
        has_lng = self.data.get("lng") not in (None, "")
        if has_lat != has_lng and not self.errors.get("lat") and not self.errors.get("lng"):
            self.add_error("lat" if not has_lat else "lng", _("纬度和经度要一起填写。"))
        return data

    def value(self, name, default=None):
        """A field's clean value, or the default when it is missing or invalid."""
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def chosen_mode(self) -> str:
        return self.value("mode", circles.WALK)

    @property
    def chosen_minutes(self) -> int:
        return self.value("minutes", DEFAULT_MINUTES)

    def problems(self) -> list[str]:
        """Every error message, once each, in field order."""
        self.is_valid()
        seen = []
        for errors in self.errors.values():
            for message in errors:
                if message not in seen:
                    seen.append(message)
        return seen
