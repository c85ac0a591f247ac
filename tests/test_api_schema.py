"""The OpenAPI schema of /api/v1/: it validates with no warning, and every endpoint carries examples.

A mini-program team builds against the schema alone, so an endpoint without an example (or a
response schema drf-spectacular had to guess) fails here, not in their client.
"""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        # --fail-on-warn: any warning (a guessed type, an operationId collision...) is an error
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return path


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_the_schema_validates_without_a_warning(schema_file):
    schema = yaml.safe_load(schema_file.read_text())
    assert schema["openapi"].startswith("3.")
    assert len(list(operations(schema))) >= 30


def test_every_endpoint_has_examples_of_what_it_takes_and_answers(schema_file):
    schema = yaml.safe_load(schema_file.read_text())
    missing = []
    for name, operation in operations(schema):
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if str(status).startswith("2") and content is not None and not content.get("examples"):
                missing.append(f"{name} → {status}")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and not body.get("examples"):
            missing.append(f"{name} request body")
    assert not missing, "endpoints without examples:\n" + "\n".join(missing)
