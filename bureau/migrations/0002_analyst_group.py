"""The analysts' group (商务局分析员, code bureau_analyst) with the one permission the bureau's
pages and API ask for: bureau.view_bureau. Nothing else: no dashboard, no orders, no admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYST_GROUP = "商务局分析员"


def grant(apps, schema_editor):
    config = apps.get_app_config("bureau")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ANALYST_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="bureau", codename="view_bureau"))


class Migration(migrations.Migration):
    dependencies = [("bureau", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
