"""Forms of the merchant portal: they check the shape of the input; rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductClass

from .selectors import STOCK_STATES


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("商品名 / 货号 / 条码"), "type": "search"}))
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *ProductClass.Kind.choices])
    stock = forms.ChoiceField(label=_("库存"), required=False, choices=[
        ("", _("全部库存")), ("in", _("有货")), ("low", _("库存偏低")), ("out", _("缺货"))])
    published = forms.ChoiceField(label=_("上架"), required=False, choices=[
        ("", _("全部")), ("1", _("已上架")), ("0", _("已下架"))])

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


assert set(STOCK_STATES) <= {value for value, _label in ListingFilterForm.base_fields["stock"].choices}


class PriceForm(forms.Form):
    price = forms.DecimalField(label=_("价格 (元)"), min_value=0.01, max_value=99999.99, decimal_places=2,
                               widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


class StockMovementForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), choices=[("received", _("入库 (到货)")), ("counted", _("盘点 (实数)"))])
    quantity = forms.IntegerField(label=_("数量"), min_value=0, max_value=1_000_000,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "received" and cleaned.get("quantity") == 0:
            self.add_error("quantity", _("入库数量至少为 1"))
        return cleaned


class PointStockForm(forms.Form):
    """Goods at one of the shop's front warehouses (前置仓) or stations, as ledger movements."""

    point = forms.TypedChoiceField(label=_("仓库/自提点"), coerce=int)
    action = forms.ChoiceField(label=_("操作"), choices=[
        ("received", _("到货入仓")), ("transferred", _("从门店调拨"))])
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=1_000_000,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].choices = [(point.pk, point.name) for point in points]


class PublishForm(forms.Form):
    published = forms.TypedChoiceField(choices=[("1", _("上架")), ("0", _("下架"))], coerce=lambda v: v == "1")


class ListingSettingsForm(forms.Form):
    partner_sku = forms.CharField(label=_("本店货号"), max_length=128)
    price = forms.DecimalField(label=_("价格 (元)"), min_value=0.01, max_value=99999.99, decimal_places=2)
    low_stock_threshold = forms.IntegerField(label=_("低库存提醒 (可售数量不高于)"), required=False, min_value=0,
                                             max_value=1_000_000)
    is_published = forms.BooleanField(label=_("上架"), required=False)


MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_photo(upload) -> None:
    """A photo: at most 5 MB, and really a JPEG, PNG or WebP image (Pillow opens it; the name's
    extension is not trusted)."""
    from PIL import Image

    if upload.size > MAX_PHOTO_BYTES:
        raise forms.ValidationError(_("图片不能超过 5 MB"))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Exception:
        raise forms.ValidationError(_("请上传 JPG、PNG 或 WebP 图片")) from None
    finally:
        upload.seek(0)
    if kind not in PHOTO_FORMATS:
        raise forms.ValidationError(_("请上传 JPG、PNG 或 WebP 图片"))


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("店名"), max_length=128)
    format = forms.ModelChoiceField(label=_("业态"), queryset=None, to_field_name="code")
    address_code = forms.CharField(label=_("门店标准地址编码"), max_length=32,
                                   help_text=_("门牌上的标准地址编码, 保证位置准确"))
    phone = forms.RegexField(label=_("联系电话"), regex=r"^[0-9+\-\s]{7,20}$", max_length=20)
    licence_number = forms.RegexField(label=_("营业执照号 (统一社会信用代码)"), regex=r"^[0-9A-Za-z]{15,18}$")
    licence_photo = forms.ImageField(label=_("营业执照照片"), validators=[validate_photo])
    is_chain = forms.TypedChoiceField(label=_("经营类型"), choices=[("0", _("独立门店")), ("1", _("连锁门店"))],
                                      coerce=lambda v: v == "1")
    floor_area_m2 = forms.IntegerField(label=_("营业面积 (平方米)"), min_value=1, max_value=100000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from merchants.models import BusinessFormat

        self.fields["format"].queryset = BusinessFormat.objects.all()

    def clean_address_code(self):
        from communities.models import StandardAddress

        code = self.cleaned_data["address_code"].strip()
        address = StandardAddress.objects.filter(code=code).first()
        if address is None:
            raise forms.ValidationError(_("标准地址库里没有这个编码"))
        self.address = address
        return code


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("refuse", _("不通过"))])
    reason = forms.CharField(label=_("审核意见"), required=False, max_length=200)


class StaffForm(forms.Form):
    mobile = forms.RegexField(label=_("手机号"), regex=r"^(\+?86)?1\d{10}$",
                              widget=forms.TextInput(attrs={"inputmode": "tel"}))
    role = forms.ChoiceField(label=_("角色"), choices=[("clerk", _("店员")), ("owner", _("店主"))])


class ProfileForm(forms.Form):
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    min_order = forms.DecimalField(label=_("起送金额 (元)"), min_value=0, max_value=9999.99, decimal_places=2)
    delivery_fee = forms.DecimalField(label=_("配送费 (元)"), min_value=0, max_value=999.99, decimal_places=2)
    delivery_capability = forms.ChoiceField(label=_("配送方式"), choices=[])
    low_stock_summary = forms.BooleanField(label=_("每天早上发低库存汇总邮件给店主"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from merchants.models import Partner

        self.fields["delivery_capability"].choices = Partner.Delivery.choices


WEEKDAYS = [(0, _("周一")), (1, _("周二")), (2, _("周三")), (3, _("周四")), (4, _("周五")), (5, _("周六")), (6, _("周日"))]


class PeriodForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("星期"), choices=WEEKDAYS, coerce=int)
    opens = forms.TimeField(label=_("开门"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("关门"), widget=forms.TimeInput(attrs={"type": "time"}),
                             help_text=_("一天分两段即为午休; 关门早于开门表示营业到次日"))


class ExceptionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_closed = forms.TypedChoiceField(label=_("当天"), choices=[("1", _("全天休息")), ("0", _("特殊营业时间"))],
                                       coerce=lambda v: v == "1")
    opens = forms.TimeField(label=_("开门"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("关门"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    note = forms.CharField(label=_("说明"), required=False, max_length=100)


class PauseForm(forms.Form):
    until = forms.DateTimeField(label=_("暂停到"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    reason = forms.CharField(label=_("原因 (居民可见)"), required=False, max_length=100)


class AreaForm(forms.Form):
    radius_m = forms.IntegerField(label=_("服务半径 (米)"), required=False, min_value=100, max_value=20000)
    communities = forms.TypedMultipleChoiceField(label=_("服务社区"), required=False, coerce=int, choices=[],
                                                 widget=forms.CheckboxSelectMultiple)
    polygon = forms.JSONField(label=_("在地图上画的区域"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].choices = [(c.pk, c.name) for c in communities]


class SlotTemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("service", _("上门服务时段")), ("delivery", _("配送时段"))])
    product = forms.TypedChoiceField(label=_("服务项目"), required=False, coerce=int, empty_value=None, choices=[])
    weekday = forms.TypedChoiceField(label=_("星期"), choices=WEEKDAYS, coerce=int)
    starts = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}))
    slot_minutes = forms.IntegerField(label=_("每段分钟数"), min_value=10, max_value=480, initial=60)
    capacity = forms.IntegerField(label=_("每段容量"), min_value=1, max_value=500, initial=1)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("本店所有服务项目"))] + [(p.pk, p.get_title()) for p in services]


class AddListingForm(forms.Form):
    product = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.DecimalField(label=_("价格 (元)"), min_value=0.01, max_value=99999.99, decimal_places=2)
    partner_sku = forms.CharField(label=_("本店货号"), max_length=128)
    num_in_stock = forms.IntegerField(label=_("现有库存"), required=False, min_value=0, max_value=1_000_000)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > 5:
            raise forms.ValidationError(_("最多 5 张图片"))
        cleaned = []
        for upload in files:
            forms.ImageField().clean(upload)
            validate_photo(upload)
            cleaned.append(upload)
        return cleaned


class NewProductForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("packaged", _("包装商品")), ("fresh", _("生鲜")),
                                                      ("service", _("上门服务"))])
    title = forms.CharField(label=_("商品名称"), max_length=255)
    category = forms.TypedChoiceField(label=_("分类"), coerce=int, choices=[])
    price = forms.DecimalField(label=_("价格 (元)"), min_value=0.01, max_value=99999.99, decimal_places=2)
    partner_sku = forms.CharField(label=_("本店货号"), max_length=128)
    upc = forms.RegexField(label=_("条码 (可不填)"), regex=r"^\d{8,14}$", required=False)
    num_in_stock = forms.IntegerField(label=_("现有库存"), required=False, min_value=0, max_value=1_000_000)
    sale_unit = forms.ChoiceField(label=_("销售方式"), choices=[("piece", _("按件")), ("weight", _("称重"))],
                                  required=False)
    unit_label = forms.CharField(label=_("单位"), max_length=8, required=False, initial="件")
    pack_size_g = forms.IntegerField(label=_("每份重量 (克, 称重商品必填)"), required=False, min_value=1,
                                     max_value=50_000)
    shelf_life_days = forms.IntegerField(label=_("保质期 (天)"), required=False, min_value=1, max_value=3650)
    storage = forms.ChoiceField(label=_("储存方式"), required=False, choices=[
        ("", "-"), ("ambient", _("常温")), ("chilled", _("冷藏")), ("frozen", _("冷冻"))])
    service_duration_min = forms.IntegerField(label=_("服务时长 (分钟, 上门服务必填)"), required=False,
                                              min_value=15, max_value=720)
    description = forms.CharField(label=_("商品介绍"), required=False, max_length=20_000, widget=forms.Textarea(
        attrs={"rows": 4}), help_text=_("可用简单格式 (段落、加粗、列表); 脚本和样式会被去掉"))
    photos = PhotosField(label=_("商品图片 (JPG/PNG/WebP, 每张不超过 5 MB, 最多 5 张)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from catalog.models import Category

        self.fields["category"].choices = [(c.pk, c.full_name) for c in Category.objects.order_by("path")]
