"""Replace Wagtail's welcome page with the community index as the site root (/community/)."""

from django.db import migrations


def create_root(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    CommunityIndexPage = apps.get_model("cms", "CommunityIndexPage")

    content_type, _ = ContentType.objects.get_or_create(model="communityindexpage", app_label="cms")
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()  # the welcome page
    locale = Locale.objects.first()
    root = CommunityIndexPage.objects.create(
        title="社区",
        draft_title="社区",
        slug="community",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/community/",
        locale=locale,
        intro="<p>本区各社区的便民生活圈: 通知、活动与优惠。</p>",
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": root, "site_name": "一刻钟便民生活圈"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0001_squashed_0016_change_page_url_path_to_text_field"),
        ("wagtailcore", "0054_initial_locale"),
    ]

    operations = [migrations.RunPython(create_root, migrations.RunPython.noop)]
