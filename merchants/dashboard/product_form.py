"""Oscar's product form as a shop sees it: the product, never the listing.

A shop's price and stock live in the portal (/dashboard/shop/), where stock moves only through
the ledger (received / counted) and a price change is its own small write. Oscar's stock-record
formset would save the whole row as the form loaded it, so for a shop's staff it is removed:
the form edits the product (title, description, images, categories) and nothing else, and a
new product is added in the portal (it needs a listing, which the portal creates with it).
Platform staff (is_staff) keep Oscar's form as it is.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.dashboard.catalogue.views import ProductCreateUpdateView as OscarProductCreateUpdateView


class ProductCreateUpdateView(OscarProductCreateUpdateView):
    def dispatch(self, request, *args, **kwargs):
        self.listing_in_portal = not request.user.is_staff
        if self.listing_in_portal:
            if "pk" not in kwargs:  # creating: the portal adds a product together with its listing
                messages.info(request, _("请在店铺后台添加商品 (价格和库存一并设置)"))
                return HttpResponseRedirect(reverse("merchant-portal:listing-add"))
            self.formsets = {name: formset for name, formset in self.formsets.items() if name != "stockrecord_formset"}
            if request.method == "GET":
                messages.info(request, _("价格和库存请在店铺后台的商品列表中修改"))
        return super().dispatch(request, *args, **kwargs)
