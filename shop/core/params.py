"""Query-parameter serializers whose fields are built once per class, not once per request.

A DRF serializer deep-copies (re-instantiates) every declared field for each instance: for the
eighteen parameters of GET /api/v1/search/ that is ~0.4 ms of a ~2 ms request, the largest
single cost of the API over Elasticsearch itself. A serializer that only validates query
parameters (scalar fields, no nested serializers, no ``partial``, nothing read from
``context``) can share one bound set: such fields keep no per-request state, and everything
per request (the data, the errors, ``validate_<name>`` and ``validate``) stays on the
instance. The 400 errors, defaults and the OpenAPI schema are exactly those of the declared
fields.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from rest_framework.utils.serializer_helpers import BindingDict


class SharedFieldsMixin:
    """Mix into a query-parameter ``serializers.Serializer`` (before it) to build its fields once.

    The fields are bound to a data-less instance of the same class (their ``parent`` and
    ``root``): never ``partial``, with an empty ``context``, so no request's data is kept.
    """

    @cached_property
    def fields(self) -> BindingDict:
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:  # two threads may both build it: equal sets, the last one kept
            prototype = cls()
            shared = BindingDict(prototype)
            for name, field in prototype.get_fields().items():
                shared[name] = field
            prototype.__dict__["fields"] = shared
            cls._shared_fields = shared
        return shared
