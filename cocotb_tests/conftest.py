"""Order of the cocotb regression."""


def pytest_collection_modifyitems(items):
    """Start the tests marked ``long`` first (see ``harness.marked_long``); the rest keep
    their order."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
