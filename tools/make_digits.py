#!/usr/bin/env python3
"""Packs scikit-learn's copy of the UCI handwritten digits into
src/datasets/digits.bin (read by src/datasets/digits.rs).

    /tmp/kvenv/bin/pip install scikit-learn
    /tmp/kvenv/bin/python tools/make_digits.py

Format: the magic bytes b"CDIG1", the sample count as u16 little-endian,
then per sample one byte of label and 40 bytes holding its 64 pixels
(0..=16, row-major) as 5-bit values, least significant bit first.
"""
import os
import struct

import numpy as np
from sklearn.datasets import load_digits

digits = load_digits()
pixels = digits.data.astype(np.uint8)
labels = digits.target.astype(np.uint8)
assert pixels.shape == (1797, 64) and pixels.max() <= 16

out = bytearray(b"CDIG1" + struct.pack("<H", len(labels)))
for label, row in zip(labels, pixels):
    out.append(int(label))
    bits = 0
    for i, v in enumerate(row):
        bits |= int(v) << (5 * i)
    out += bits.to_bytes(40, "little")

path = os.path.join(os.path.dirname(__file__), "..", "src", "datasets", "digits.bin")
with open(path, "wb") as f:
    f.write(out)
print(f"{path}: {len(out)} bytes, {len(labels)} samples")
