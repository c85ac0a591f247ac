import os

from django.core.wsgi import get_wsgi_application

# a server or worker is production unless told otherwise (make up, make demo and the tests say so)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")
application = get_wsgi_application()
