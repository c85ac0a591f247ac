"""Names the cms modules share without importing each other (the page models import the
selectors and services that read and write them, so those reach the models through the app
registry and these constants, never by importing cms.models)."""

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"  # EventSignup.status
ACTIVE = (CONFIRMED, WAITING)  # a sign-up that holds a seat or a waiting place

PROMOTION_WORKFLOW = "优惠审核"  # created by cms/migrations/0004; PromotionPage.get_workflow returns it
REVIEWER_GROUP = "街道审核员"  # the street office's reviewers: approve promotions


def cms_model(name: str):
    """A cms model by name, from the app registry."""
    from django.apps import apps

    return apps.get_model("cms", name)
