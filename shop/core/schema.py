def only_public_api(endpoints):
    """drf-spectacular hook: document our /api/v1/ only, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API (shop/core/errors.py). Some add keys: `lines` (409 stock/slot), "
                   "`orders` (409 address_in_use / open_orders), `attempts_left` (422), `retry_after` (429).",
    "required": ["error", "detail", "fields"],
    "properties": {
        "error": {"type": "string", "description": "a code: invalid, not_found, conflict, unprocessable..."},
        "detail": {"type": "string", "description": "a sentence for people"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "each field at fault, with its messages"},
    },
    "additionalProperties": True,
}
ERRORS = {
    "400": ("a parameter or body field is missing or malformed",
            {"error": "invalid", "detail": "lat: 请输入合法的数字。", "fields": {"lat": ["请输入合法的数字。"]}}),
    "401": ("no or wrong credentials",
            {"error": "not_authenticated", "detail": "身份认证信息未提供。", "fields": {}}),
    "403": ("signed in, but not allowed",
            {"error": "permission_denied", "detail": "您没有执行该操作的权限。", "fields": {}}),
    "404": ("no such object, or it is not yours",
            {"error": "not_found", "detail": "没有这个地址", "fields": {}}),
    "409": ("the request collides with the current state",
            {"error": "address_in_use", "detail": "还有订单送往这个地址, 订单完成后才能删除",
             "fields": {"address_id": ["订单 100007 还没有完成"]}, "orders": ["100007"]}),
    "422": ("well-formed but refused by a business rule",
            {"error": "unprocessable", "detail": "地址还没有保存", "fields": {"phone": ["请填写11位手机号, 或带区号的固定电话"]}}),
    "429": ("too many tries",
            {"error": "too_many_attempts", "detail": "取货码错误次数过多, 请 15 分钟后再试", "fields": {}, "retry_after": 897}),
}
WRITES = {"post", "put", "patch", "delete"}


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the one error shape as a component, and the error
    statuses each operation can answer (400 and 404 always; 401/403 when it needs sign-in;
    409/422 for writes), each with an example. Responses a view documents keep their
    description and get the shape when they had no content."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", *WRITES}:
                continue
            wanted = {"400", "404"}
            if {} not in operation.get("security", [{}]):
                wanted |= {"401", "403"}
            if method in WRITES:
                wanted |= {"409", "422"}
            responses = operation.setdefault("responses", {})
            for status in sorted(wanted | {s for s in map(str, responses) if s in ERRORS}):
                description, example = ERRORS[status]
                response = responses.setdefault(status, {"description": description})
                if "content" not in response:
                    response["content"] = {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {example["error"]: {"value": example}},
                    }}
                response["description"] = response.get("description") or description
    return result
