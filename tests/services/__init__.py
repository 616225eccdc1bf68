import pytest

# Rewrite the asserts in the shared checks, so their failures show the
# compared values as asserts in test modules do.
pytest.register_assert_rewrite("tests.services.support")
