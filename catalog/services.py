"""Writes about the catalogue from a shop's side: a listing of a shared product, a new
product of the shop's own with the fields of its kind, photos and a sanitised description.

The catalogue is shared (one product per barcode, listed by many shops): a shop adds its own
listing (price, stock, SKU) of a shared product and never changes the shared product; a
product it creates is its own until another shop lists it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from merchants.models import StockRecord
from merchants.services import checked_price
from shop.core.errors import ConflictError, DomainError
from shop.core.sanitize import sanitize_html

from .models import Category, Product, ProductCategory, ProductClass, ProductImage

MAX_PHOTOS = 5


def _checked_stock(value) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise DomainError(_("库存须为 0 到 1000000 的整数"), fields={"num_in_stock": [_("库存须为 0 到 1000000 的整数")]})
    return value


def _checked_sku(shop_id: int, sku: str) -> str:
    sku = (sku or "").strip()
    if not sku or len(sku) > 128:
        raise DomainError(_("货号不能为空"), fields={"partner_sku": [_("货号不能为空, 最长 128 字")]})
    if StockRecord.objects.filter(partner_id=shop_id, partner_sku=sku).exists():
        raise ConflictError(_("本店已有货号 %(sku)s") % {"sku": sku}, code="duplicate_sku",
                            fields={"partner_sku": [_("本店已有这个货号")]})
    return sku


@transaction.atomic
def add_listing(*, shop_id: int, product_id: int, price, partner_sku: str, num_in_stock: int | None = 0,
                low_stock_threshold: int | None = None) -> StockRecord:
    """List a product of the shared catalogue in this shop (its opening stock goes to the ledger)."""
    product = Product.objects.filter(pk=product_id, is_public=True).exclude(structure=Product.PARENT).first()
    if product is None:
        raise DomainError(_("没有这个商品"), fields={"product": [_("没有这个商品")]})
    if StockRecord.objects.filter(partner_id=shop_id, product=product).exists():
        raise ConflictError(_("本店已在卖这个商品"), code="already_listed", fields={"product": [_("本店已在卖这个商品")]})
    try:
        with transaction.atomic():
            return StockRecord.objects.create(
                partner_id=shop_id, product=product, partner_sku=_checked_sku(shop_id, partner_sku),
                price_currency="CNY", price=checked_price(price), num_in_stock=_checked_stock(num_in_stock),
                low_stock_threshold=low_stock_threshold,
            )
    except IntegrityError:  # a concurrent add of the same product or SKU
        raise ConflictError(_("本店已在卖这个商品"), code="already_listed") from None


@dataclass
class NewProduct:
    kind: str  # ProductClass.Kind
    title: str
    category_id: int
    price: Decimal | str
    partner_sku: str
    num_in_stock: int | None = 0
    upc: str = ""
    sale_unit: str = Product.SaleUnit.PIECE
    unit_label: str = "件"
    pack_size_g: int | None = None
    shelf_life_days: int | None = None
    storage: str = ""
    service_duration_min: int | None = None
    description: str = ""
    photos: list = field(default_factory=list)


def _product_errors(data: NewProduct) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.kind not in ProductClass.Kind.values:
        errors["kind"] = [_("请选择商品类型")]
    if not (data.title or "").strip() or len(data.title) > 255:
        errors["title"] = [_("请填写商品名称")]
    if data.kind == ProductClass.Kind.SERVICE:
        if not data.service_duration_min or not 15 <= data.service_duration_min <= 720:
            errors["service_duration_min"] = [_("上门服务须填写服务时长 (15 到 720 分钟)")]
    else:
        if data.sale_unit not in Product.SaleUnit.values:
            errors["sale_unit"] = [_("请选择按件或称重")]
        if data.sale_unit == Product.SaleUnit.WEIGHT and not (data.pack_size_g and 1 <= data.pack_size_g <= 50_000):
            errors["pack_size_g"] = [_("称重商品须填写每份重量 (克)")]
        if data.storage and data.storage not in Product.Storage.values:
            errors["storage"] = [_("储存方式有误")]
    if data.upc and (len(data.upc) > 64 or Product.objects.filter(upc=data.upc).exists()):
        errors["upc"] = [_("这个条码已在共享商品库中, 请从商品库添加")]
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = [_("最多 %(n)s 张图片") % {"n": MAX_PHOTOS}]
    return errors


@transaction.atomic
def create_product_listing(*, shop_id: int, data: NewProduct) -> StockRecord:
    """A new product with the fields of its kind, its category, photos (checked by the form)
    and a description sanitised with the allow-list, listed in this shop. All or nothing."""
    errors = _product_errors(data)
    category = Category.objects.filter(pk=data.category_id).first()
    if category is None:
        errors["category"] = [_("请选择分类")]
    product_class = ProductClass.objects.filter(kind=data.kind).order_by("pk").first()
    if product_class is None and "kind" not in errors:
        errors["kind"] = [_("平台还没有这类商品")]
    if errors:
        raise DomainError(_("商品信息有误"), fields=errors)
    price, sku = checked_price(data.price), _checked_sku(shop_id, data.partner_sku)
    is_service = data.kind == ProductClass.Kind.SERVICE
    weighed = not is_service and data.sale_unit == Product.SaleUnit.WEIGHT
    product = Product.objects.create(
        title=data.title.strip(), product_class=product_class, structure=Product.STANDALONE, upc=data.upc or None,
        is_public=True, description=sanitize_html(data.description),
        sale_unit=Product.SaleUnit.PIECE if is_service else data.sale_unit,
        unit_label=(data.unit_label or "件").strip()[:8], pack_size_g=data.pack_size_g if weighed else None,
        shelf_life_days=None if is_service else data.shelf_life_days, storage="" if is_service else data.storage,
        service_duration_min=data.service_duration_min if is_service else None,
    )
    ProductCategory.objects.create(product=product, category=category)
    for order, photo in enumerate(data.photos):
        ProductImage.objects.create(product=product, original=photo, display_order=order)
    return StockRecord.objects.create(
        partner_id=shop_id, product=product, partner_sku=sku, price_currency="CNY", price=price,
        num_in_stock=0 if is_service else _checked_stock(data.num_in_stock),
    )


@transaction.atomic
def update_own_product(*, shop_id: int, product_id: int, title: str, description: str) -> Product:
    """A shop edits the title and description of a product only it sells (a shared product
    is the catalogue's, not one shop's)."""
    product = Product.objects.select_for_update().filter(pk=product_id, stockrecords__partner_id=shop_id).first()
    if product is None:
        raise DomainError(_("没有这个商品"), fields={"product": [_("没有这个商品")]})
    if StockRecord.objects.filter(product=product).exclude(partner_id=shop_id).exists():
        raise ConflictError(_("其他店铺也在卖这个商品, 不能修改共享信息"), code="shared_product")
    if not (title or "").strip():
        raise DomainError(_("请填写商品名称"), fields={"title": [_("请填写商品名称")]})
    product.title, product.description = title.strip()[:255], sanitize_html(description)
    product.save()
    return product


# --- importing a shop's listings -------------------------------------------------------------------

INLINE_IMPORT_BYTES = 64 * 1024  # smaller files are checked/applied in the request; larger ones by Celery


@transaction.atomic
def start_listing_import(*, shop_id: int, user, upload, mode: str):
    """Keep the uploaded file as a ListingImport and run it: in the request when small, else as
    the Celery task `listings.import` (sent after commit); the page follows its progress."""
    from merchants.models import ListingImport

    name = (getattr(upload, "name", "") or "listings.csv")[-200:]
    if mode not in ListingImport.Mode.values:
        raise DomainError(_("导入方式有误"), fields={"mode": [_("导入方式有误")]})
    if not name.lower().endswith((".csv", ".xlsx")):
        raise DomainError(_("请上传 CSV 或 XLSX 文件"), fields={"file": [_("请上传 CSV 或 XLSX 文件")]})
    if upload.size > 20 * 1024 * 1024:
        raise DomainError(_("文件不能超过 20 MB"), fields={"file": [_("文件不能超过 20 MB")]})
    job = ListingImport.objects.create(partner_id=shop_id, user=user, file=upload, filename=name, mode=mode)
    if upload.size <= INLINE_IMPORT_BYTES:
        transaction.on_commit(lambda: run_listing_import(import_id=job.pk))
    else:
        from celery import current_app

        # by name: the task module imports this one (catalog.tasks.import_listings)
        transaction.on_commit(lambda: current_app.send_task("listings.import", args=[job.pk]))
    return job


def rerun_listing_import(*, shop_id: int, import_id: int, user, mode: str):
    """Apply a file that was checked (a dry run) without uploading it again."""
    from django.core.files.base import ContentFile

    from merchants.models import ListingImport

    job = ListingImport.objects.filter(pk=import_id, partner_id=shop_id).first()
    if job is None:
        raise DomainError(_("没有这次导入"), fields={"import": [_("没有这次导入")]})
    with job.file.open("rb") as handle:
        content = ContentFile(handle.read(), name=job.filename)
    return start_listing_import(shop_id=shop_id, user=user, upload=content, mode=mode)


def run_listing_import(*, import_id: int) -> dict:
    """Run one import (idempotent: a finished one is left alone)."""
    from django.utils import timezone

    from merchants.models import ListingImport

    from . import listing_io

    claimed = ListingImport.objects.filter(pk=import_id, state=ListingImport.State.QUEUED).update(
        state=ListingImport.State.RUNNING)
    if not claimed:
        return {}
    job = ListingImport.objects.get(pk=import_id)

    def progress(done: int, total: int) -> None:
        ListingImport.objects.filter(pk=import_id).update(processed=done, total=total)

    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        report = listing_io.run(shop_id=job.partner_id, content=content, filename=job.filename, mode=job.mode,
                                actor_id=job.user_id, progress=progress)
        state = ListingImport.State.DONE
    except DomainError as error:
        report, state = {"error": str(error.detail)}, ListingImport.State.FAILED
    ListingImport.objects.filter(pk=import_id).update(state=state, report=report, finished_at=timezone.now())
    return report
