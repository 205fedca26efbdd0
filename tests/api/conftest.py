"""The API's own document, loaded by schemathesis, to check real responses against."""
import pytest
import schemathesis


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def conforms(api_schema):
    """Assert that a response is one the document promises for that path:
    a documented status, and a body matching that status's schema."""
    def check(path_template: str, response) -> None:
        operation = api_schema[path_template]["GET"]
        assert str(response.status_code) in operation.definition.raw["responses"], response.status_code
        operation.validate_response(response)
    return check
