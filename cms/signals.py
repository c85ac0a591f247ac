"""cms listens to the communities layer (which never imports cms): a saved community gets its
page, or its page's title follows a rename."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from communities.models import Community


@receiver(post_save, sender=Community, dispatch_uid="cms.sync_community_page")
def community_saved(sender, instance: Community, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the pages come with the fixture, or from `manage.py sync_community_pages`
        return
    from cms.services import sync_community_page

    sync_community_page(community_id=instance.pk)
