"""`manage.py make_community_editor MOBILE COMMUNITY [COMMUNITY ...]`: make a user the editor of
one or more communities (by slug or name). The user may then create, edit and publish pages
only under those communities' pages in /cms-admin/; promotions still wait for a reviewer."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from cms.services import make_community_editor
from communities.models import Community
from shop.core.errors import DomainError


class Command(BaseCommand):
    help = "Give a user (by mobile number) the editor's rights on one or more communities' pages."

    def add_arguments(self, parser):
        parser.add_argument("mobile")
        parser.add_argument("communities", nargs="+", help="community slugs or names")

    def handle(self, *args, mobile, communities, **options):
        user = get_user_model().objects.filter(mobile=mobile).first()
        if user is None:
            raise CommandError(f"No user with mobile {mobile}.")
        ids = []
        for name in communities:
            community = Community.objects.filter(Q(slug=name) | Q(name=name)).order_by("pk").first()
            if community is None:
                raise CommandError(f"No community {name!r} (give its slug or name).")
            ids.append(community.pk)
        try:
            groups = make_community_editor(user=user, community_ids=ids)
        except DomainError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"{mobile} edits: {', '.join(g.name for g in groups)}")
