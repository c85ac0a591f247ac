"""Demo data: a synthetic district modelled on Nanjing's 鼓楼区, loaded by `manage.py load_demo`.

The data (streets, communities, shop names, the product catalogue, the demo users) lives in
plain Python modules next to this one; `builder` turns it into a seeded plan and writes it.
"""

from .people import DEMO_USERS, DemoUser

__all__ = ["DEMO_USERS", "DemoUser"]
