from django.db import migrations


def load(apps, schema_editor):
    from merchants.formats import upsert_formats

    upsert_formats(apps.get_model("partner", "BusinessFormat"))


class Migration(migrations.Migration):
    dependencies = [("partner", "0008_businessformat_openingexception_openingperiod_and_more")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
