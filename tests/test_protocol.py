"""The wire between a sandboxed child and the judge: values go across as data, and the
trusted side accepts nothing but the schema (anything else is a ProtocolError)."""

from __future__ import annotations

import collections
import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from quizcards.checker.protocol import (
    MAX_TENSOR_VALUES,
    DtypeValue,
    LongStr,
    NamedValue,
    OpaqueValue,
    ProtocolError,
    SizeValue,
    TensorValue,
    TypeValue,
    decode_observation,
    decode_value_json,
    dumps,
    encode_or_opaque,
    encode_value,
)

Pair = collections.namedtuple("Pair", "a b")


def roundtrip(value: object) -> object:
    wire = json.loads(json.dumps(encode_or_opaque(value)))
    return decode_value_json(wire)


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 3.25, "text", b"\x00\xff", 2 + 3j, Ellipsis, [1, [2, (3,)]],
    (1, "a"), {1, 2}, frozenset({"x"}), {"k": [1, 2], 3: None}, 10**100,
])
def test_plain_values_cross_unchanged(value: object) -> None:
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


def test_nan_and_infinities_cross() -> None:
    out = roundtrip([math.nan, math.inf, -math.inf])
    assert math.isnan(out[0]) and out[1:] == [math.inf, -math.inf]  # type: ignore[index]


def test_tensors_cross_as_dtype_shape_and_values() -> None:
    t = torch.tensor([[1.5, float("nan")], [float("inf"), -0.0]])
    out = roundtrip(t)
    assert isinstance(out, TensorValue)
    assert (out.kind, out.dtype, out.shape) == ("tensor", "float32", (2, 2))
    assert out.values is not None and math.isnan(out.values[1]) and out.values[2] == math.inf
    assert roundtrip(torch.tensor([1, 2], dtype=torch.int8)).dtype == "int8"  # type: ignore[union-attr]
    assert roundtrip(torch.tensor(True)).values == (True,)  # type: ignore[union-attr]
    half = roundtrip(torch.tensor([0.5], dtype=torch.bfloat16))
    assert half.dtype == "bfloat16" and half.values == (0.5,)  # type: ignore[union-attr]
    assert roundtrip(torch.ones(2, requires_grad=True).sum()).requires_grad  # type: ignore[union-attr]
    assert roundtrip(torch.tensor([1 + 2j])).values == (1 + 2j,)  # type: ignore[union-attr]


def test_a_large_tensor_crosses_as_shape_and_digest() -> None:
    a, b = torch.arange(MAX_TENSOR_VALUES + 1), torch.arange(MAX_TENSOR_VALUES + 1)
    b[-1] = 0
    out_a, out_b = roundtrip(a), roundtrip(b)
    assert isinstance(out_a, TensorValue) and out_a.values is None
    assert out_a.digest == roundtrip(a.clone()).digest  # type: ignore[union-attr]
    assert out_a.digest != out_b.digest  # type: ignore[union-attr]


def test_torch_and_python_records() -> None:
    assert roundtrip(torch.Size([3, 4])) == SizeValue((3, 4))
    assert roundtrip(torch.float16) == DtypeValue("float16")
    assert roundtrip(int) == TypeValue("int")
    assert roundtrip(torch.Tensor) == TypeValue("torch.Tensor")
    assert roundtrip(Pair(1, 2)) == NamedValue(f"{__name__}.Pair", ("a", "b"), (1, 2))
    pair = roundtrip(torch.tensor([[1.0, 3.0]]).max(dim=1))
    assert isinstance(pair, NamedValue) and pair.fields == ("values", "indices")
    assert isinstance(roundtrip("x" * 50_000), LongStr)


def test_anything_else_is_opaque_and_a_lying_repr_changes_nothing() -> None:
    class Liar:
        def __repr__(self) -> str:
            return "9"

        def __eq__(self, other: object) -> bool:
            return True

    out = roundtrip(Liar())
    assert isinstance(out, OpaqueValue) and out.type.endswith("Liar")
    assert out != 9


def test_a_hostile_repr_cannot_stop_the_encoding() -> None:
    class Boom:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    out = roundtrip([Boom()])
    assert isinstance(out, list) and isinstance(out[0], OpaqueValue)
    deep: list[object] = []
    for _ in range(200):
        deep = [deep]
    assert isinstance(roundtrip(deep), OpaqueValue)  # too deep: opaque, not a crash


def obs(**fields: object) -> str:
    return json.dumps({"v": 1, **fields})


@pytest.mark.parametrize("text", [
    "", "null", "[]", "{}", '{"v": 2}', obs(correct=True), obs(status="ok", correct=True),
    obs(has_result=True, result={"t": "evil"}), obs(has_result=True, result=[1, 2]),
    obs(has_result=True, result={"t": "list", "items": [1], "extra": 1}),
    obs(has_result=True, result={"t": "tensor", "kind": "tensor", "dtype": "float32",
                                 "shape": [2], "grad": False, "values": [1.0]}),
    obs(has_result=True, result={"t": "tensor", "kind": "tensor", "dtype": "bool",
                                 "shape": [1], "grad": False, "values": [1]}),
    obs(has_result=True, result={"t": "tensor", "kind": "tensor", "dtype": "evil",
                                 "shape": [], "grad": False, "values": [1]}),
    obs(has_result=True, result={"t": "set", "items": [{"t": "list", "items": []}]}),
    obs(has_result=True, result="x" * 30_000),
    obs(units=[{"k": "L1.1", "v": 1, "correct": True}]), obs(units=[{"k": "L1.1"}]),
    obs(raised={"type": "X"}), obs(stdout=123), obs(stdout_cut="yes"),
    '{"v": 1, "has_result": true, "result": ' + "[" * 5000 + "]" * 5000 + "}",
    obs(has_result=True, result={"t": "int", "hex": "0x" + "f" * 30_000}),
    '{"v": 1, "has_result": true, "result": 1' + "0" * 5000 + "}",
    "{" + '"v": 1, ' * 3 + '"stdout": "a"}' + "garbage",
])
def test_anything_but_the_schema_is_refused(text: str) -> None:
    with pytest.raises(ProtocolError):
        decode_observation(text)


def test_a_real_observation_is_accepted() -> None:
    text = dumps({"v": 1, "stdout": "hi\n", "has_result": True,
                  "result": encode_value(torch.tensor([1.0])), "shape": [1],
                  "units": [{"k": "L1.1.0", "v": 9}, {"k": "L2.1",
                             "raised": {"type": "KeyError", "module": "builtins",
                                        "mro": ["KeyError"], "message": "'x'"}}]}).decode()
    o = decode_observation(text)
    assert o.stdout == "hi\n" and o.shape == (1,) and o.units[0].value == 9
    assert o.units[1].raised is not None and o.units[1].raised.type == "KeyError"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["v", "t", "items", "result", "has_result", "units", "k", "values",
                         "shape", "dtype", "kind", "grad", "raised", "type", "x"]), inner,
        max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_the_decoder_only_ever_raises_protocol_error(raw: object) -> None:
    try:
        decode_observation(json.dumps(raw))
    except ProtocolError:
        pass
