"""A fixture test file with public cases, hidden cases and hidden-only helpers."""
from otter.test_files import test_case

OK_FORMAT = False
name = "area"
points = None


def _shared(value):
    # used by public and hidden cases alike: stays
    return value * 2


@test_case(points=1, hidden=False)
def test_public(area):
    """A public case."""
    assert _shared(area(1.0, 2.0)) == 4.0


@test_case(points=1)
def test_public_by_default(area):
    """hidden defaults to False."""
    assert area(2.0, 2.0) == 4.0
