"""An Atom feed per community (/community/<community>/feed/): notices, events and running
promotions, newest first."""

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from cms import selectors


class CommunityAtomFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, community_page=None):
        self.request = request
        return community_page

    def title(self, page):
        return _("%(name)s 社区动态") % {"name": page.title}

    def link(self, page):
        return page.url

    def subtitle(self, page):
        return strip_tags(page.intro)[:200]

    def items(self, page):
        return selectors.feed_items(community_page=page, now=timezone.now())

    def item_title(self, item):
        return f"[{item._meta.verbose_name}] {item.title}"

    def item_description(self, item):
        return strip_tags(" ".join(str(block) for block in item.body))[:500]

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at
