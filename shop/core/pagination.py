from rest_framework import pagination
from rest_framework.response import Response


class PageNumberPagination(pagination.PageNumberPagination):
    """?page=&page_size= (at most 100), answering {"count", "page", "results"}."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        # An oversized page_size is refused rather than silently clipped.
        from rest_framework.exceptions import ValidationError

        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["must be an integer"]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"must be between 1 and {self.max_page_size}"]})
        return size

    def get_paginated_response(self, data):
        return Response({"count": self.page.paginator.count, "page": self.page.number, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "page", "results"],
            "properties": {
                "count": {"type": "integer", "example": 1},
                "page": {"type": "integer", "example": 1},
                "results": schema,  # drf-spectacular wraps an item's example in this shape
            },
        }
