"""Shared pytest configuration (kept generic: each test family owns its own fixtures)."""


def pytest_configure(config):
    # One marker per course lab (`pytest -m lab05`); --strict-markers needs them declared.
    # pyproject.toml may declare them too: registering a marker twice is harmless.
    for n in range(1, 19):
        config.addinivalue_line("markers", f"lab{n:02d}: course lab {n} (examples/{n:02d}_*.py)")
