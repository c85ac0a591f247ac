"""Catalogue fork: product classes for fresh goods, packaged goods and home services.

The kind-specific facts are plain columns (not Oscar's EAV attributes) because search,
the basket and checkout read them on every request.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct, AbstractProductClass


class ProductClass(AbstractProductClass):
    class Kind(models.TextChoices):
        FRESH = "fresh", _("生鲜")
        PACKAGED = "packaged", _("包装商品")
        SERVICE = "service", _("上门服务")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PACKAGED)


class Product(AbstractProduct):
    class SaleUnit(models.TextChoices):
        PIECE = "piece", _("按件")
        WEIGHT = "weight", _("称重")

    class Storage(models.TextChoices):
        AMBIENT = "ambient", _("常温")
        CHILLED = "chilled", _("冷藏")
        FROZEN = "frozen", _("冷冻")

    # fresh and packaged goods
    sale_unit = models.CharField(_("销售方式"), max_length=8, choices=SaleUnit.choices, default=SaleUnit.PIECE)
    unit_label = models.CharField(_("单位"), max_length=8, default="件", help_text=_("例如 件、盒、袋、斤"))
    pack_size_g = models.PositiveIntegerField(
        _("每份重量 (克)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("称重商品按份出售, 如 500 克一份; 实际重量由商户称重后结算"),
    )
    shelf_life_days = models.PositiveSmallIntegerField(_("保质期 (天)"), null=True, blank=True)
    storage = models.CharField(_("储存方式"), max_length=8, choices=Storage.choices, blank=True)
    # home services
    service_duration_min = models.PositiveSmallIntegerField(
        _("服务时长 (分钟)"), null=True, blank=True, validators=[MinValueValidator(15)]
    )

    class Meta(AbstractProduct.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sale_unit="weight") | models.Q(pack_size_g__isnull=False),
                name="product_sold_by_weight_has_pack_size",
            ),
        ]

    @property
    def kind(self) -> str:
        product_class = self.get_product_class()
        return product_class.kind if product_class else ProductClass.Kind.PACKAGED

    @property
    def is_service(self) -> bool:
        return self.kind == ProductClass.Kind.SERVICE

    @property
    def is_sold_by_weight(self) -> bool:
        return self.sale_unit == self.SaleUnit.WEIGHT

    def price_per_kg(self, pack_price: Decimal) -> Decimal | None:
        """The kilogram price shown beside a weighed pack's price."""
        if not self.pack_size_g:
            return None
        return (pack_price * 1000 / self.pack_size_g).quantize(Decimal("0.01"))


class SearchOutbox(models.Model):
    """A change the search index has yet to see, written in the same transaction as the change.

    Rows name an object, not an operation: applying a row re-reads the object and indexes it,
    or deletes its document when it is gone or hidden, so applying a row twice is harmless.
    """

    class Kind(models.TextChoices):
        LISTING = "listing", "listing"  # a StockRecord
        PRODUCT = "product", "product"  # every listing of the product
        MERCHANT = "merchant", "merchant"  # the merchant document and every listing of it

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["processed_at", "id"], name="searchoutbox_pending_idx")]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"


from oscar.apps.catalogue.models import *  # noqa: E402,F403  (Oscar's remaining catalogue models)
