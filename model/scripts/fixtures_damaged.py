"""Writes tiny damaged PyTorch checkpoints for model/tests/damaged.rs (no torch needed).

A .pth is a zip holding `archive/data.pkl` (a pickle of the state dict, tensors rebuilt by
torch._utils._rebuild_tensor_v2 from storages) and `archive/data/<key>` (the raw storages).
Each file here breaks one thing that candle's reader trusted:

- damaged_shape.pth: `conv1.weight` claims shape [131072, 131072] over a 5-element storage
  (read in full, that is a 64 GiB allocation);
- damaged_rebuild.pth: `_rebuild_tensor_v2` called with 2 arguments instead of 6 (candle's
  pickle reader indexes past them and panics);
- damaged_long.pt: the state dict is a LONG1 integer of 9 bytes (candle shifts past 64 bits
  and panics).

Run from the repository root: python3 model/scripts/fixtures_damaged.py
"""
import struct
import zipfile

OUT = "model/tests/fixtures/"


def text(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def integer(n):
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def tup(items):
    return b"(" + b"".join(items) + b"t"


def tensor(key, shape, numel, nargs=6):
    stride, s = [], 1
    for d in reversed(shape):
        stride.insert(0, s)
        s *= d
    pid = tup([text("storage"), glob("torch", "FloatStorage"), text(key), text("cpu"), integer(numel)]) + b"Q"
    args = [pid, integer(0), tup([integer(x) for x in shape]), tup([integer(x) for x in stride]), b"\x89", glob("collections", "OrderedDict") + b")R"]
    return glob("torch._utils", "_rebuild_tensor_v2") + tup(args[:nargs]) + b"R"


def write(name, pickle, storages):
    with zipfile.ZipFile(OUT + name, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle)
        for key, data in storages.items():
            z.writestr("archive/data/" + key, data)


def state_dict(entries):
    return b"\x80\x02}(" + b"".join(text(n) + t for n, t in entries) + b"u."


five = struct.pack("<5f", 1, 2, 3, 4, 5)
write("damaged_shape.pth", state_dict([("conv1.weight", tensor("0", [131072, 131072], 5))]), {"0": five})
write("damaged_rebuild.pth", state_dict([("conv1.weight", tensor("0", [5], 5, nargs=2))]), {"0": five})
write("damaged_long.pt", b"\x80\x02\x8a\x09" + bytes(9) + b".", {})
