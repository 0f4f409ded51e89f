#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent safetensors reader for the export tests: only json and struct from the standard library.

usage: read_safetensors.py EXPECTED.json

EXPECTED.json: {"file": PATH, "exact_names": bool, "metadata": {key: value, ...},
                "tensors": {name: {"dtype": "F32", "shape": [..], "values": [[flat_index, value], ...]}, ...}}
Checks the header layout (8-byte little-endian length, JSON, offsets that tile the data exactly), the names (all of
them when exact_names), dtypes, shapes, the listed metadata and values. Prints every mismatch; exits 1 on any.
"""
import json
import struct
import sys

SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
FORMATS = {"F64": "<d", "F32": "<f", "I64": "<q", "I32": "<i", "I16": "<h", "I8": "<b", "U8": "<B", "BOOL": "<?"}


def main(expected_path):
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    with open(expected["file"], "rb") as f:
        blob = f.read()
    problems = []
    if len(blob) < 8:
        print("file shorter than the 8-byte header length")
        return 1
    (header_len,) = struct.unpack("<Q", blob[:8])
    if 8 + header_len > len(blob):
        print("header length %d runs past the end of the file" % header_len)
        return 1
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    data = blob[8 + header_len:]
    metadata = header.pop("__metadata__", {})

    # The offsets must tile the data section exactly, with the size each dtype and shape needs.
    spans = []
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        count = 1
        for d in entry["shape"]:
            count *= d
        if entry["dtype"] not in SIZES:
            problems.append("%s: unknown dtype %s" % (name, entry["dtype"]))
            continue
        if end - begin != count * SIZES[entry["dtype"]]:
            problems.append("%s: %d bytes for shape %s of %s" % (name, end - begin, entry["shape"], entry["dtype"]))
        spans.append((begin, end, name))
    spans.sort()
    position = 0
    for begin, end, name in spans:
        if begin != position:
            problems.append("%s: starts at %d, expected %d (gap or overlap)" % (name, begin, position))
        position = end
    if position != len(data):
        problems.append("the tensors cover %d bytes of a %d-byte data section" % (position, len(data)))

    for key, value in expected.get("metadata", {}).items():
        if metadata.get(key) != value:
            problems.append("metadata %s: %r, expected %r" % (key, metadata.get(key), value))

    wanted = expected["tensors"]
    if expected.get("exact_names", False) and sorted(header) != sorted(wanted):
        problems.append("names differ: extra %s, missing %s" % (sorted(set(header) - set(wanted)),
                                                                   sorted(set(wanted) - set(header))))
    for name, want in wanted.items():
        entry = header.get(name)
        if entry is None:
            problems.append("%s: missing" % name)
            continue
        if entry["dtype"] != want["dtype"]:
            problems.append("%s: dtype %s, expected %s" % (name, entry["dtype"], want["dtype"]))
            continue
        if entry["shape"] != want["shape"]:
            problems.append("%s: shape %s, expected %s" % (name, entry["shape"], want["shape"]))
            continue
        size = SIZES[entry["dtype"]]
        for index, value in want.get("values", []):
            offset = entry["data_offsets"][0] + index * size
            (got,) = struct.unpack(FORMATS[entry["dtype"]], data[offset:offset + size])
            if abs(got - value) > 1e-7 * max(1.0, abs(value)):
                problems.append("%s[%d]: %r, expected %r" % (name, index, got, value))

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
