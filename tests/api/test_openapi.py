"""The API against its own OpenAPI document: every endpoint's real responses
on the demo data, and schemathesis throwing generated requests at it (no
500s, every response as documented)."""
from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from core.extensions import db
from core.accounts.models import User
from events.models import Event
from reports import open_data
from tests.conftest import made_once, restore_rows
from tests.events.factories import PriorityFactory
from tests.machines import examples
from tests.reports.fixtures import build_small_world, settled_day

WITH_PARAMETERS = ["/events", "/events/{event_id}", "/open-data/{period}"]
WITHOUT = ["/priorities", "/venues", "/open-data", "/openapi.json"]
# Well-formed requests to every operation; malformed ones where there is something to get wrong.
CASES = ([(path, GenerationMode.POSITIVE) for path in WITH_PARAMETERS + WITHOUT]
         + [(path, GenerationMode.NEGATIVE) for path in WITH_PARAMETERS])


@pytest.mark.parametrize("path, mode", CASES)
def test_generated_requests_get_documented_answers(app, api_schema, demo, path, mode):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples(app, 40), deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        case.call_and_validate()

    answers_as_documented()


def test_the_document_is_openapi_3_1_and_describes_every_api_route(app, api_schema, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": "http://localhost/api/v1"}]
    routes = {rule.rule.removeprefix("/api/v1").replace("<int:event_id>", "{event_id}").replace("<period>", "{period}")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == set(document["paths"])


def _demo():
    """The demo data, with priorities as the migrations make them."""
    for name in ["Inter-faith work", "Involving young people", "Leadership and engagement"]:
        PriorityFactory(name=name, slug=name.lower().replace(" ", "-"))
    result = current_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def demo_rows(shared_app):
    """Made once per database and kept as rows (seed-demo takes longer than the checks)."""
    return made_once(shared_app, _demo)[1]


@pytest.fixture
def demo(app, demo_rows):
    restore_rows(app, demo_rows)
    with app.app_context():
        return [event_id for (event_id,) in db.session.execute(db.select(Event.id))]


def test_every_endpoint_conforms_on_the_demo_data(client, conforms, demo):
    listed = client.get("/api/v1/events?per_page=100")
    conforms("/events", listed)
    assert listed.get_json()["total"] > 0
    for event_id in demo:  # public ones answer 200, the rest 404, each as documented
        conforms("/events/{event_id}", client.get(f"/api/v1/events/{event_id}"))
    for path in ["/priorities", "/venues"]:
        response = client.get(f"/api/v1{path}")
        conforms(path, response)
        assert response.get_json()["items"]


def test_published_open_data_conforms(app, client, conforms, make_user):
    admin = make_user(roles=["admin"])
    with app.app_context():
        build_small_world()
        quarter = open_data.Quarter.containing(settled_day().date() - timedelta(days=25))
        open_data.publish(quarter, actor=db.session.get(User, admin.id), today=quarter.ends_on + timedelta(days=15))
        db.session.commit()
    conforms("/open-data", client.get("/api/v1/open-data"))
    conforms("/open-data/{period}", client.get(f"/api/v1/open-data/{quarter.period}"))
    conforms("/open-data/{period}", client.get("/api/v1/open-data/1999-Q1"))
