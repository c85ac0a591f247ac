import oscar.apps.basket.apps as apps


class BasketConfig(apps.BasketConfig):
    """Fork: a basket line may hold a booked service slot; lines from many merchants."""

    name = "shop.basket"
