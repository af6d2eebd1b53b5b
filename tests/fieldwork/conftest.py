import pytest


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a service and then its on-commit callbacks, as a real request would."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run
