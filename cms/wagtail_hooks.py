"""Wagtail admin hooks: the chooser modals of cms/choosers.py."""

from wagtail import hooks

from cms.choosers import address_chooser, listing_chooser, merchant_chooser


@hooks.register("register_admin_viewset")
def register_choosers():
    return [merchant_chooser, listing_chooser, address_chooser]


def _may_publish_promotions(user) -> bool:
    from cms.models import PromotionPage

    return PromotionPage(title="-").permissions_for_user(user).can_publish()


@hooks.register("before_create_page")
def promotions_are_drafts_until_reviewed(request, parent_page, page_class):
    """A new promotion from an editor is saved as a draft, whatever button sent it (Wagtail's
    create view asks the parent whether a child may be published, not the promotion)."""
    from cms.models import PromotionPage

    if (request.method == "POST" and issubclass(page_class, PromotionPage) and request.POST.get("action-publish")
            and not _may_publish_promotions(request.user)):
        request.POST = request.POST.copy()
        del request.POST["action-publish"]
    return None


@hooks.register("construct_page_action_menu")
def no_publish_button_on_promotions(menu_items, request, context):
    """Editors see "submit for review" instead of "publish" on a promotion."""
    from cms.models import PromotionPage

    page = context.get("page")
    page_class = type(page) if page is not None else None
    if page_class is not None and issubclass(page_class, PromotionPage) and not _may_publish_promotions(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]
