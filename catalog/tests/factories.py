import factory

from catalog.models import Category, Product, ProductClass


class ProductClassFactory(factory.django.DjangoModelFactory):
    name = "包装商品"
    kind = ProductClass.Kind.PACKAGED
    track_stock = True
    requires_shipping = True

    class Meta:
        model = ProductClass
        django_get_or_create = ["name"]


class FreshProductClassFactory(ProductClassFactory):
    name = "生鲜"
    kind = ProductClass.Kind.FRESH


class ServiceProductClassFactory(ProductClassFactory):
    name = "上门服务"
    kind = ProductClass.Kind.SERVICE
    track_stock = False
    requires_shipping = False


class ProductFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"测试商品{n}")
    structure = Product.STANDALONE
    product_class = factory.SubFactory(ProductClassFactory)
    upc = factory.Sequence(lambda n: f"690{n:010d}")
    is_public = True

    class Meta:
        model = Product
        skip_postgeneration_save = True

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            for category in extracted:
                self.categories.add(category)


def category(path: str) -> Category:
    """Create (or fetch) a category from a path like '生鲜 > 蔬菜'."""
    from oscar.apps.catalogue.categories import create_from_breadcrumbs

    return create_from_breadcrumbs(path)
