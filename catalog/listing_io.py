"""A shop's listings as a CSV or XLSX file: export, and import with a dry run.

Columns (the first row names them; order free, unknown columns ignored):

    sku, barcode, title, kind, category, price, stock, published, low_stock_threshold,
    sale_unit, pack_size_g, unit_label, service_duration_min

A row is keyed by the shop's own `sku`; a row whose sku the shop does not have yet is a new
listing: of the shared product with that `barcode` if the catalogue has one, otherwise of a new
product (then `title`, `kind` and `category` are needed; `pack_size_g` for weighed goods,
`service_duration_min` for services). `stock` is what the shelf holds: a difference becomes a
`counted` movement in the stock ledger (never an overwrite of the counters). `category` is the
category's name or its full path ("生鲜 > 蔬菜"). Blank cells leave the field as it is.

Every row is checked before anything is written; `apply` writes nothing when any row has a
problem, `apply_valid` writes the rows without problems. Re-importing the same file changes
nothing (no row, movement or outbox entry). Export neutralises formula injection: a text cell
starting with = + - @ (or a tab / carriage return) gets a leading apostrophe, which import
strips again, so an exported file imports unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from oscar.core.utils import slugify

from merchants.models import StockMovement, StockRecord
from merchants.signals import listings_changed
from shop.core.errors import DomainError

from .models import Category, Product, ProductCategory, ProductClass

COLUMNS = ["sku", "barcode", "title", "kind", "category", "price", "stock", "published", "low_stock_threshold",
           "sale_unit", "pack_size_g", "unit_label", "service_duration_min"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 50_000
BATCH = 1000
SIGNAL_BATCH = 10_000
TRUE = {"1", "true", "yes", "y", "是", "上架"}
FALSE = {"0", "false", "no", "n", "否", "下架"}


# --- files ------------------------------------------------------------------------------------------


def neutralise(value) -> str | int | float:
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def restore(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(DANGEROUS):
        return value[1:]
    return value


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """The file's rows as {column: text} (cells stripped, formula guard removed)."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError:
                raise DomainError(_("文件编码无法识别, 请另存为 UTF-8 的 CSV")) from None
        rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DomainError(_("文件是空的"))
    header = [str(cell or "").strip().lower() for cell in rows[0]]
    if "sku" not in header:
        raise DomainError(_("第一行须是列名, 且包含 sku 列"), fields={"file": [_("缺少 sku 列")]})
    if len(rows) - 1 > MAX_ROWS:
        raise DomainError(_("一次最多导入 %(n)s 行") % {"n": MAX_ROWS})
    found = []
    for row in rows[1:]:
        cells = [restore(str(cell).strip()) if cell is not None else "" for cell in row]
        if not any(cells):
            continue
        found.append({name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS})
    return found


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise DomainError(_("无法读取这个 XLSX 文件")) from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([_cell_text(cell) for cell in row])
    book.close()
    return rows


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def export_rows(*, shop_id: int) -> Iterator[list]:
    listings = (
        StockRecord.objects.filter(partner_id=shop_id)
        .select_related("product__product_class", "product__parent__product_class")
        .prefetch_related("product__categories")
        .order_by("partner_sku", "pk")
    )
    yield COLUMNS
    for listing in listings.iterator(chunk_size=2000):
        product = listing.product
        categories = list(product.categories.all())
        yield [
            listing.partner_sku, product.upc or "", product.get_title(), product.kind,
            categories[0].full_name if categories else "", f"{listing.price:.2f}" if listing.price is not None else "",
            "" if product.is_service else str(listing.num_in_stock or 0), "1" if listing.is_published else "0",
            "" if listing.low_stock_threshold is None else str(listing.low_stock_threshold),
            product.sale_unit, product.pack_size_g or "", product.unit_label, product.service_duration_min or "",
        ]


def export_csv(*, shop_id: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(shop_id=shop_id):
        writer.writerow([neutralise(str(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(*, shop_id: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("listings")
    for row in export_rows(shop_id=shop_id):
        sheet.append([neutralise(str(cell)) for cell in row])  # all text: nothing is a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- checking --------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    line: int  # the row's line in the file (the header is line 1)
    sku: str
    action: str = ""  # "create", "list", "update", "unchanged"
    problems: list[str] = field(default_factory=list)
    listing: StockRecord | None = None
    product: Product | None = None
    changes: dict = field(default_factory=dict)  # listing fields to set
    counted: int | None = None
    new_product: dict | None = None
    category: Category | None = None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > Decimal("99999.99") or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _int(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


class Catalogue:
    """What checking the rows needs, loaded once: the shop's listings, products by barcode,
    categories by name and path, product classes by kind."""

    def __init__(self, shop_id: int, rows: list[dict]):
        # only the shop's listings the file names (by sku, or by a barcode it gives), never the whole shop
        skus = {row.get("sku", "") for row in rows} - {""}
        barcodes = {row.get("barcode", "") for row in rows} - {""}
        self.listings = {
            listing.partner_sku: listing
            for listing in StockRecord.objects.filter(partner_id=shop_id, partner_sku__in=skus).select_related(
                "product__product_class", "product__parent__product_class")
        }
        self.listed_products = set(StockRecord.objects.filter(partner_id=shop_id, product__upc__in=barcodes)
                                   .values_list("product_id", flat=True)) if barcodes else set()
        self.products = {p.upc: p for p in Product.objects.filter(upc__in=barcodes).select_related("product_class")}
        self.categories: dict[str, Category] = {}
        for category in Category.objects.all():
            self.categories.setdefault(category.name, category)
            self.categories[category.full_name] = category
        self.new_barcodes: dict[str, int] = {}
        self.classes = {}
        for product_class in ProductClass.objects.order_by("pk"):
            self.classes.setdefault(product_class.kind, product_class)


def check_rows(*, shop_id: int, rows: list[dict]) -> list[RowPlan]:
    catalogue = Catalogue(shop_id, rows)
    seen: dict[str, int] = {}
    plans = []
    for index, row in enumerate(rows):
        plans.append(_check(row, index + 2, catalogue, seen))
    return plans


def _check(row: dict, line: int, catalogue: Catalogue, seen: dict[str, int]) -> RowPlan:
    sku = row.get("sku", "")
    plan = RowPlan(line=line, sku=sku)
    problems = plan.problems
    if not sku or len(sku) > 128:
        problems.append(_("缺少 sku"))
        return plan
    if sku in seen:
        problems.append(_("sku 与第 %(line)s 行重复") % {"line": seen[sku]})
        return plan
    seen[sku] = line
    price = row.get("price", "")
    if price and _decimal(price) is None:
        problems.append(_("价格有误: %(value)s") % {"value": price})
    stock = row.get("stock", "")
    if stock and _int(stock, 0, 1_000_000) is None:
        problems.append(_("库存有误: %(value)s") % {"value": stock})
    published = row.get("published", "").lower()
    if published and published not in TRUE | FALSE:
        problems.append(_("上架列须为 1 或 0"))
    threshold = row.get("low_stock_threshold", "")
    if threshold and _int(threshold, 0, 1_000_000) is None:
        problems.append(_("低库存提醒有误: %(value)s") % {"value": threshold})
    listing = catalogue.listings.get(sku)
    if listing is None:
        barcode = row.get("barcode", "")
        product = catalogue.products.get(barcode) if barcode else None
        if product is not None and product.pk in catalogue.listed_products:
            problems.append(_("本店已用其他 sku 在卖条码 %(barcode)s 的商品") % {"barcode": barcode})
        if product is None:
            _check_new_product(row, plan, catalogue)
        if not price:
            problems.append(_("新商品须填写价格"))
        plan.product = product
        plan.action = "list" if product is not None else "create"
    else:
        plan.listing, plan.action = listing, "update"
        if row.get("category") and row["category"] not in catalogue.categories:
            problems.append(_("没有这个分类: %(name)s") % {"name": row["category"]})
    if problems:
        return plan
    changes = {}
    if price:
        changes["price"] = _decimal(price)
    if published:
        changes["is_published"] = published in TRUE
    if threshold:
        changes["low_stock_threshold"] = int(threshold)
    if listing is not None:
        changes = {name: value for name, value in changes.items() if getattr(listing, name) != value}
        tracked = listing.product.get_product_class().track_stock if listing.product.get_product_class() else True
        if stock and tracked and int(stock) != (listing.num_in_stock or 0):
            plan.counted = int(stock)
        if not changes and plan.counted is None:
            plan.action = "unchanged"
    else:
        plan.counted = int(stock) if stock else 0
    plan.changes = changes
    return plan


def _check_new_product(row: dict, plan: RowPlan, catalogue: Catalogue) -> None:
    problems = plan.problems
    title, kind, category = row.get("title", ""), row.get("kind", "") or "packaged", row.get("category", "")
    if not title:
        problems.append(_("新商品须填写名称 (title)"))
    if kind not in catalogue.classes:
        problems.append(_("类型有误: %(value)s (fresh, packaged, service)") % {"value": kind})
    if not category:
        problems.append(_("新商品须填写分类"))
    elif category not in catalogue.categories:
        problems.append(_("没有这个分类: %(name)s") % {"name": category})
    sale_unit = row.get("sale_unit", "") or "piece"
    if sale_unit not in Product.SaleUnit.values:
        problems.append(_("销售方式须为 piece 或 weight"))
    pack = row.get("pack_size_g", "")
    pack_size = _int(pack, 1, 50_000) if pack else None
    if pack and pack_size is None:
        problems.append(_("每份重量有误: %(value)s") % {"value": pack})
    if kind != "service" and sale_unit == "weight" and pack_size is None:
        problems.append(_("称重商品须填写每份重量 (pack_size_g)"))
    duration = row.get("service_duration_min", "")
    minutes = _int(duration, 15, 720) if duration else None
    if kind == "service" and minutes is None:
        problems.append(_("上门服务须填写服务时长 (service_duration_min, 15-720)"))
    barcode = row.get("barcode", "")
    if barcode and len(barcode) > 64:
        problems.append(_("条码过长"))
    elif barcode and barcode in catalogue.new_barcodes:
        problems.append(_("条码与第 %(line)s 行重复") % {"line": catalogue.new_barcodes[barcode]})
    elif barcode:
        catalogue.new_barcodes[barcode] = plan.line
    if problems:
        return
    plan.category = catalogue.categories[category]
    is_service = kind == "service"
    plan.new_product = {
        "title": title[:255], "slug": slugify(title[:255]) or "product", "product_class": catalogue.classes[kind], "structure": Product.STANDALONE,
        "upc": barcode or None, "is_public": True, "sale_unit": "piece" if is_service else sale_unit,
        "unit_label": (row.get("unit_label") or "件")[:8],
        "pack_size_g": pack_size if (not is_service and sale_unit == "weight") else None,
        "service_duration_min": minutes if is_service else None,
    }


def summary(plans: list[RowPlan]) -> dict:
    counts = {"create": 0, "list": 0, "update": 0, "unchanged": 0, "problems": 0}
    for plan in plans:
        counts["problems" if plan.problems else plan.action] += 1
    return {
        "counts": counts, "rows": len(plans),
        "problems": [{"line": p.line, "sku": p.sku, "problems": p.problems} for p in plans if p.problems][:1000],
    }


# --- applying ---------------------------------------------------------------------------------------


def apply_plans(*, shop_id: int, plans: list[RowPlan], actor_id: int | None,
                progress: Callable[[int], None] | None = None) -> int:
    """Write the checked rows (callers pass only the rows to write) in one transaction; returns
    how many rows changed something."""
    todo = [plan for plan in plans if not plan.problems and plan.action != "unchanged"]
    with transaction.atomic():
        # new products, then their categories
        creating = [plan for plan in todo if plan.action == "create"]
        for start in range(0, len(creating), BATCH):
            chunk = creating[start:start + BATCH]
            products = Product.objects.bulk_create([Product(**plan.new_product) for plan in chunk])
            for plan, product in zip(chunk, products, strict=True):
                plan.product = product
            ProductCategory.objects.bulk_create(
                [ProductCategory(product=plan.product, category=plan.category) for plan in chunk])
        # new listings, with their opening balance in the ledger
        new_listings = [
            StockRecord(partner_id=shop_id, product=plan.product, partner_sku=plan.sku, price_currency="CNY",
                        price=plan.changes.get("price"), num_in_stock=plan.counted or 0,
                        is_published=plan.changes.get("is_published", True),
                        low_stock_threshold=plan.changes.get("low_stock_threshold"))
            for plan in todo if plan.action in ("create", "list")
        ]
        created = StockRecord.objects.bulk_create(new_listings, batch_size=BATCH)
        StockMovement.objects.bulk_create(
            [StockMovement(listing_id=r.pk, reason=StockMovement.Reason.OPENING, delta=r.num_in_stock,
                           actor_id=actor_id, note="import") for r in created if r.num_in_stock],
            batch_size=BATCH)
        # changed listings: fields, then counted stock under the rows' locks (pk order)
        updating = [plan for plan in todo if plan.action == "update"]
        ids = sorted(plan.listing.pk for plan in updating)
        locked = {r.pk: r for r in StockRecord.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")}
        changed_fields = sorted({name for plan in updating for name in plan.changes})
        records, movements = [], []
        for plan in updating:
            record = locked[plan.listing.pk]
            for name, value in plan.changes.items():
                setattr(record, name, value)
            if plan.changes:
                records.append(record)
            if plan.counted is not None:
                delta = plan.counted - (record.num_in_stock or 0)
                if delta:
                    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=Coalesce(F("num_in_stock"), 0) + delta)
                    movements.append(StockMovement(listing_id=record.pk, reason=StockMovement.Reason.COUNTED,
                                                   delta=delta, actor_id=actor_id, note="import"))
        if records:
            StockRecord.objects.bulk_update(records, changed_fields, batch_size=BATCH)
        StockMovement.objects.bulk_create(movements, batch_size=BATCH)
        touched = [r.pk for r in created] + [plan.listing.pk for plan in updating]
        for start in range(0, len(touched), SIGNAL_BATCH):  # a few signals: few outbox inserts and sync tasks
            listings_changed.send(sender=StockRecord, listing_ids=touched[start:start + SIGNAL_BATCH])
        if progress:
            progress(len(todo))
    return len(todo)


def run(*, shop_id: int, content: bytes, filename: str, mode: str, actor_id: int | None = None,
        progress: Callable[[int, int], None] | None = None) -> dict:
    """Check every row; then, unless a dry run, apply (see the module doc). Returns the report."""
    rows = read_rows(content, filename)
    plans = check_rows(shop_id=shop_id, rows=rows)
    if progress:
        progress(len(rows) // 2, len(rows))
    report = summary(plans)
    report["mode"], report["applied"] = mode, 0
    has_problems = report["counts"]["problems"] > 0
    if mode == "dry_run" or (mode == "apply" and has_problems):
        report["applied"] = 0
        report["refused"] = mode == "apply" and has_problems
    else:
        report["applied"] = apply_plans(shop_id=shop_id, plans=plans, actor_id=actor_id)
    if progress:
        progress(len(rows), len(rows))
    return report
