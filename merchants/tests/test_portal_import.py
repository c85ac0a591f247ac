"""CSV/XLSX import and export of a shop's listings: a dry run names every bad row, a failing
import writes nothing, re-importing changes nothing, an export imports unchanged and carries no
formula."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import listing_io
from catalog.models import Category, Product, SearchOutbox
from catalog.tests.factories import FreshProductClassFactory, ProductClassFactory, ProductFactory
from merchants.models import ListingImport, StockMovement, StockRecord
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff

HEADER = "sku,barcode,title,kind,category,price,stock,published,low_stock_threshold,sale_unit,pack_size_g\n"


@pytest.fixture
def world():
    ProductClassFactory(), FreshProductClassFactory()
    Category.add_root(name="蔬菜"), Category.add_root(name="粮油")
    shop, owner, clerk = shop_with_staff()
    shared = ProductFactory(title="东北大米 5kg", upc="6900000000017")
    return shop, owner, shared


def csv_file(text: str, name="listings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD = HEADER + (
    "VEG-1,,小青菜,fresh,蔬菜,4.50,30,1,5,weight,500\n"
    "RICE-1,6900000000017,,,,39.90,12,1,,,\n"
)
BAD = GOOD + (
    "VEG-2,,菠菜,fresh,蔬菜,abc,10,1,,piece,\n"          # bad price
    "VEG-3,,土豆,fresh,水果,3.00,10,1,,piece,\n"          # unknown category
    "VEG-1,,重复,fresh,蔬菜,3.00,10,1,,piece,\n"          # duplicate sku
    "VEG-4,,五花肉,fresh,蔬菜,28.00,10,1,,weight,\n"      # weighed without a pack size
)


def state(shop):
    return sorted(StockRecord.objects.filter(partner=shop).values_list(
        "partner_sku", "price", "num_in_stock", "is_published", "low_stock_threshold"))


@pytest.mark.django_db
def test_a_dry_run_names_every_bad_row_and_writes_nothing(world):
    shop, owner, _shared = world
    report = listing_io.run(shop_id=shop.pk, content=BAD.encode(), filename="x.csv", mode="dry_run")
    problems = {row["line"]: " ".join(row["problems"]) for row in report["problems"]}
    assert set(problems) == {4, 5, 6, 7}
    assert "价格" in problems[4] and "分类" in problems[5] and "重复" in problems[6] and "每份重量" in problems[7]
    assert report["counts"] == {"create": 1, "list": 1, "update": 0, "unchanged": 0, "problems": 4}
    assert state(shop) == []
    # "apply" refuses the whole file; "apply_valid" writes the two good rows
    assert listing_io.run(shop_id=shop.pk, content=BAD.encode(), filename="x.csv", mode="apply")["refused"]
    assert state(shop) == []
    listing_io.run(shop_id=shop.pk, content=BAD.encode(), filename="x.csv", mode="apply_valid")
    assert [row[0] for row in state(shop)] == ["RICE-1", "VEG-1"]


@pytest.mark.django_db
def test_import_creates_and_lists_then_reimporting_changes_nothing(world):
    shop, owner, shared = world
    SearchOutbox.objects.all().delete()
    listing_io.run(shop_id=shop.pk, content=GOOD.encode(), filename="x.csv", mode="apply", actor_id=owner.pk)
    veg = StockRecord.objects.get(partner=shop, partner_sku="VEG-1")
    assert (veg.product.pack_size_g, veg.product.sale_unit, veg.price, veg.num_in_stock) == (500, "weight",
                                                                                              Decimal("4.50"), 30)
    assert StockRecord.objects.get(partner=shop, partner_sku="RICE-1").product == shared
    assert StockMovement.objects.filter(listing=veg, reason="opening", delta=30).exists()
    assert SearchOutbox.objects.filter(kind="listing", object_id=veg.pk).exists()
    before = (state(shop), StockMovement.objects.count(), SearchOutbox.objects.count(), Product.objects.count())
    report = listing_io.run(shop_id=shop.pk, content=GOOD.encode(), filename="x.csv", mode="apply")
    assert report["counts"]["unchanged"] == 2 and report["applied"] == 0
    assert (state(shop), StockMovement.objects.count(), SearchOutbox.objects.count(), Product.objects.count()) == before


@pytest.mark.django_db
def test_a_changed_stock_is_a_counted_movement_that_keeps_allocations(world):
    from merchants.services import allocate_stock

    shop, owner, _shared = world
    listing_io.run(shop_id=shop.pk, content=GOOD.encode(), filename="x.csv", mode="apply")
    veg = StockRecord.objects.get(partner=shop, partner_sku="VEG-1")
    allocate_stock(quantities={veg.pk: 4})
    listing_io.run(shop_id=shop.pk, content=(HEADER + "VEG-1,,,,,4.80,48,,,,\n").encode(), filename="x.csv",
                   mode="apply")
    veg.refresh_from_db()
    assert (veg.num_in_stock, veg.num_allocated, veg.price) == (48, 4, Decimal("4.80"))
    assert StockMovement.objects.filter(listing=veg, reason="counted", delta=18).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_unchanged_and_neutralises_formulas(world, fmt):
    shop, owner, _shared = world
    evil = ProductFactory(title="=HYPERLINK(\"http://evil\",\"点我\")", upc="6900000000024")
    ListingFactory(partner=shop, product=evil, partner_sku="+SUM(A1)", price=Decimal("2.00"), num_in_stock=7)
    listing_io.run(shop_id=shop.pk, content=GOOD.encode(), filename="x.csv", mode="apply")
    content = listing_io.export_csv(shop_id=shop.pk) if fmt == "csv" else listing_io.export_xlsx(shop_id=shop.pk)
    if fmt == "csv":
        cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]
    else:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        cells = [str(c.value or "") for row in book.worksheets[0].iter_rows() for c in row]
        assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert "'+SUM(A1)" in cells
    before = (state(shop), StockMovement.objects.count(), Product.objects.count())
    report = listing_io.run(shop_id=shop.pk, content=content, filename=f"export.{fmt}", mode="apply")
    assert report["counts"]["problems"] == 0, report["problems"]
    assert report["counts"]["unchanged"] == 3
    assert (state(shop), StockMovement.objects.count(), Product.objects.count()) == before


@pytest.mark.django_db
def test_the_import_pages_dry_run_then_apply(client, world, django_capture_on_commit_callbacks):
    shop, owner, _shared = world
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("merchant-portal:import"), {"file": csv_file(BAD), "mode": "dry_run"})
    job = ListingImport.objects.get()
    assert response["Location"] == reverse("merchant-portal:import-detail", kwargs={"pk": job.pk})
    page = client.get(response["Location"]).content.decode()
    assert page.count("data-line=") == 4 and state(shop) == []
    assert client.get(reverse("merchant-portal:import-status", kwargs={"pk": job.pk})).json()["state"] == "done"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("merchant-portal:import-apply", kwargs={"pk": job.pk}), {"mode": "apply_valid"})
    assert len(state(shop)) == 2
    export = client.get(reverse("merchant-portal:export"), {"format": "csv"})
    assert export.status_code == 200 and b"VEG-1" in export.content


@pytest.mark.django_db
@pytest.mark.parametrize("content,name", [
    (b"", "a.csv"), (b"title,price\nx,1\n", "a.csv"), (b"\xff\xfe\x00garbage", "a.xlsx"), (b"sku\nA\n", "a.pdf"),
])
def test_bad_files_get_a_clear_message(client, world, content, name, django_capture_on_commit_callbacks):
    shop, owner, _shared = world
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("merchant-portal:import"), {"file": SimpleUploadedFile(name, content),
                                                                    "mode": "apply"})
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert state(shop) == []
    text = response.content.decode()
    assert "alert-danger" in text or "CSV" in text
