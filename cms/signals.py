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


def event_published(sender, instance, **kwargs) -> None:
    """A published event whose capacity grew gives the new seats to its waiting list."""
    from cms.services import fill_seats

    fill_seats(event_id=instance.pk)


def connect_page_signals() -> None:
    from wagtail.signals import page_published

    from cms.models import EventPage

    page_published.connect(event_published, sender=EventPage, dispatch_uid="cms.event_published")
