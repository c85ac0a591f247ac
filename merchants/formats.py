"""The business formats of the 15-minute living circle, read from merchants/data/formats.csv.

Source: 《城市一刻钟便民生活圈建设指南》 (MOFCOM, 2021): 14 basic-guarantee and 12
quality-improvement formats. The CSV is data; a migration and `load_formats` load it.
"""

import csv
from pathlib import Path

FORMATS_CSV = Path(__file__).resolve().parent / "data" / "formats.csv"


def read_formats() -> list[dict]:
    with FORMATS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for order, row in enumerate(rows):
        row["sort_order"] = order
    return rows


def upsert_formats(format_model) -> int:
    """Create or update every format from the CSV; tiers edited in the admin are kept."""
    count = 0
    for row in read_formats():
        _, created = format_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "priority_pair": row["priority_pair"],
                "sort_order": row["sort_order"],
            },
            create_defaults={
                "tier": row["tier"],
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "priority_pair": row["priority_pair"],
                "sort_order": row["sort_order"],
            },
        )
        count += created
    return count
