"""Wagtail admin hooks: the chooser modals of cms/choosers.py."""

from wagtail import hooks

from cms.choosers import address_chooser, listing_chooser, merchant_chooser


@hooks.register("register_admin_viewset")
def register_choosers():
    return [merchant_chooser, listing_chooser, address_chooser]
