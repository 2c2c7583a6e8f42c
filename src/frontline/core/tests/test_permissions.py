"""The closed action set, code ranges and scope arithmetic."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontline.core.permissions import Action, Scope, next_code


def test_unknown_action_raises():
    with pytest.raises(ValueError, match="unknown action"):
        Action.parse("veiw")


def test_next_code_carries():
    assert next_code("110101003") == "110101004"
    assert next_code("1101019") == "110102"
    assert next_code("11019") == "1102"
    assert next_code("999") is None


@given(prefix=st.from_regex(r"[0-9]{2,9}", fullmatch=True),
       rest=st.from_regex(r"[0-9]{0,6}", fullmatch=True),
       other=st.from_regex(r"[0-9]{2,12}", fullmatch=True))
def test_range_equals_prefix(prefix, rest, other):
    """[code, next_code(code)) holds exactly the digit strings that start with code."""
    upper = next_code(prefix)
    for candidate in (prefix + rest, other):
        in_range = candidate >= prefix and (upper is None or candidate < upper)
        assert in_range == candidate.startswith(prefix)


def test_scope_keeps_widest_prefixes():
    scope = Scope.of(codes=["110101003", "110101", "110102001001"])
    assert scope.codes == frozenset({"110101", "110102001001"})
    assert scope.covers_code("110101003005")
    assert not scope.covers_code("110102001002")
    assert not scope.covers_code("")


def test_empty_scope():
    assert Scope().is_empty
    assert not Scope.of(place_ids=[3]).is_empty
    assert Scope(everything=True).covers_code("99")
