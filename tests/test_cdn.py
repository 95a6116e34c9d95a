"""The CDN design, proved with real servers: Varnish with deploy/varnish.vcl in
front of gunicorn (2 workers) and PostgreSQL, hundreds of simulated readers
polling while a writer posts.

The origin must see about one request per 10 seconds per distinct URL,
however many readers there are; every reader must get every update once,
within cache TTL + poll interval + 2 seconds.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from entries.models import Entry
from tests.factories import make_entry, make_update
from tests.readers import check_phase, run_readers
from tests.servers import (
    VARNISHD,
    Gunicorn,
    Varnish,
    database_url,
    get,
    manage,
    production_environment,
    require,
)

pytestmark = [pytest.mark.servers, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker):
    # Before anything is started: without Varnish there is nothing to test.
    require(VARNISHD, "apt-get install varnish")
    folder = tmp_path_factory.mktemp("cdn")
    with django_db_blocker.unblock():
        database = connection.settings_dict
    # The servers read and write the test database this test writes to.
    env = production_environment(database_url(database), folder / "static")
    # The same key as this process, so sessions made here are valid there.
    env["SECRET_KEY"] = settings.SECRET_KEY
    manage(env, "collectstatic", "--noinput")
    with Gunicorn(env, folder, workers=2) as origin, Varnish(origin.port) as cdn:
        yield origin, cdn


def test_the_origin_sees_one_request_per_url_per_ttl_whatever_the_number_of_readers(stack):
    origin, cdn = stack

    few = run_readers(cdn, origin, readers=50)
    many = run_readers(cdn, origin, readers=200)

    few_late, many_late = check_phase(few), check_phase(many)
    few_origin = sum(few["at_origin"].values())
    many_origin = sum(many["at_origin"].values())
    print(
        f"\n50 readers: {few['cdn_requests']} requests at the CDN, {few_origin} at the origin, "
        f"latest update {few_late:.1f}s after posting"
        f"\n200 readers: {many['cdn_requests']} requests at the CDN, {many_origin} at the origin, "
        f"latest update {many_late:.1f}s after posting"
    )
    assert many["cdn_requests"] > 3.5 * few["cdn_requests"]
    # Four times the readers, about the same origin traffic.
    assert many_origin <= few_origin * 1.25 + 3


def test_staff_previews_pass_the_cdn_under_the_admin_prefix_and_public_urls_ignore_sessions(
    stack, client, django_user_model
):
    _, cdn = stack
    draft = make_entry(status=Entry.Status.DRAFT, title="Embargoed")
    make_update(draft, "Not yet")
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    session = {"Cookie": f"_ga=1; sessionid={client.cookies['sessionid'].value}"}
    preview = reverse("entry_preview", kwargs={"slug": draft.slug})

    anonymous = get(cdn.port, draft.get_absolute_url())
    staff_public = get(cdn.port, draft.get_absolute_url(), session)
    staff_preview = get(cdn.port, preview, session)
    anonymous_preview = get(cdn.port, preview)

    assert anonymous.status == staff_public.status == 404
    assert staff_preview.status == 200 and b"Embargoed" in staff_preview.body
    assert "no-store" in staff_preview.headers["cache-control"]
    assert anonymous_preview.status == 302
