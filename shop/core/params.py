"""Query-parameter serializers whose fields are built once per class, not once per request.

A DRF serializer deep-copies (re-instantiates) every declared field for each instance: for the
eighteen parameters of GET /api/v1/search/ that is ~0.4 ms of a ~2 ms request, the largest
single cost of the API over Elasticsearch itself. A serializer that only validates query
parameters (scalar fields, no nested serializers, no ``partial``, nothing read from
``context``) can share one bound set: such fields keep no per-request state, and everything
per request (the data, the errors, ``validate_<name>`` and ``validate``) stays on the
instance. The 400 errors, defaults and the OpenAPI schema are exactly those of the declared
fields. The fields a query string leaves out (13 of 18 in a typical search) get what DRF's own
loop would give them from a per-class plan, without running each field's machinery
(``to_internal_value``; catalog/tests/test_search_params.py holds it to DRF's loop).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.utils import html
from rest_framework.utils.serializer_helpers import BindingDict

SKIP, EMPTY_LIST = object(), object()
CONSTANT_TYPES = (str, int, float, bool, Decimal, type(None))


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

    def absent_values(self) -> dict[str, object]:
        """What DRF's own get_value + run_validation give each field absent from a query string
        (its default; False for a BooleanField, as DRF reads an HTML form; SKIP for none), worked
        out once per class by running DRF on an empty QueryDict. Only constants and an empty list
        (a fresh one each time) are kept: a required field, or another default, takes DRF's path."""
        cls = type(self)
        plan = cls.__dict__.get("_absent_values")
        if plan is None:
            plan, nothing = {}, QueryDict()
            for name, field in self.fields.items():
                try:
                    value = field.run_validation(field.get_value(nothing))
                except SkipField:
                    plan[name] = SKIP
                except (ValidationError, DjangoValidationError):
                    continue  # required: DRF says so
                else:
                    if value == [] and type(value) is list:
                        plan[name] = EMPTY_LIST
                    elif type(value) in CONSTANT_TYPES:
                        plan[name] = value
            cls._absent_values = plan
        return plan

    def to_internal_value(self, data):
        """DRF's Serializer.to_internal_value (same order, errors, ``validate_<name>``), with each
        field absent from a query string given its absent value without the field's machinery:
        a search names 5 of its 18 parameters, and the 13 others cost DRF ~4 calls each."""
        if not html.is_html_input(data) or self.partial:
            return super().to_internal_value(data)
        absent = self.absent_values()
        ret, errors = {}, {}
        for field in self._writable_fields:
            name = field.field_name
            validate_method = getattr(self, "validate_" + name, None)
            try:
                if name not in data and name in absent:
                    value = absent[name]
                    if value is SKIP:
                        continue
                    if value is EMPTY_LIST:
                        value = []
                else:
                    value = field.run_validation(field.get_value(data))
                if validate_method is not None:
                    value = validate_method(value)
            except ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(ret, field.source_attrs, value)
        if errors:
            raise ValidationError(errors)
        return ret
