import os

import pytest
from django.conf import settings


def using_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(autouse=True)
def _postgres_marker(request):
    """Tests marked `postgres` need the production database.

    Locally on SQLite they are skipped with the reason; in CI, where
    .ci/run starts PostgreSQL, running without it is a failure.
    """
    if request.node.get_closest_marker("postgres") and not using_postgres():
        message = "needs PostgreSQL: set DATABASE_URL=postgres://… (as .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user(
        "editor", password="unused-password", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    client.user = user
    return client
