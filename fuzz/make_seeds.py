#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/NAME from the project's own files (make fuzz-seeds).

Usage: fuzz/make_seeds.py DCIM SEED_H5
Config, run and network seeds are the example files of configs/ and workloads/nets/ and the bad
files of tests/; the binary seeds are small files in each format, written here or by the
project's writers (dcim asm/disasm, seed_h5). Reproducers (fuzz/crashes/NAME) are not touched.
"""
import glob, json, os, random, shutil, struct, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
DCIM, SEED_H5 = sys.argv[1], sys.argv[2]


def out(name):
    d = os.path.join("fuzz", "corpus", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def copy(name, patterns):
    d = out(name)
    for pat in patterns:
        for f in sorted(glob.glob(pat)):
            shutil.copy(f, os.path.join(d, f.replace("/", "_")))


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


yaml_examples = ["configs/*/*.yaml", "rtl/cosim/*.yaml", "workloads/nets/*.yaml"]
copy("config", yaml_examples + ["tests/configs/bad/*.yaml", "tests/workloads/nets/bad/*.yaml"])
copy("run", ["configs/runs/*.yaml", "tests/configs/bad/run_*.yaml"])
copy("network", ["workloads/nets/*.yaml", "tests/workloads/nets/bad/*.yaml"])


def safetensors(tensors, meta=None):
    head, data = {}, b""
    for name, dtype, shape, raw in tensors:
        head[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if meta:
        head["__metadata__"] = meta
    h = json.dumps(head).encode()
    return struct.pack("<Q", len(h)) + h + data


d = out("safetensors")
f32 = lambda *v: struct.pack("<%df" % len(v), *v)
write(d, "f32.safetensors", safetensors([("conv1.weight", "F32", [2, 1, 1, 2], f32(1, -1, 0.5, -0.5)),
                                         ("conv1.bias", "F32", [2], f32(0, 1))], {"epoch": "1"}))
write(d, "dtypes.safetensors", safetensors([("a", "F16", [2], struct.pack("<2e", 1.0, -2.0)),
                                            ("b", "BF16", [1], b"\x80\x3f"), ("c", "I8", [3], b"\x01\xff\x00"),
                                            ("d", "BOOL", [2], b"\x00\x01"), ("e", "F64", [1], struct.pack("<d", 3.0)),
                                            ("f", "I32", [], struct.pack("<i", 7)), ("g", "U8", [0], b"")]))
write(d, "nonfinite.safetensors", safetensors([("w", "F32", [3], f32(float("nan"), float("inf"), 1))]))
src = open("workloads/weights/mnist_bnn.safetensors", "rb").read()
n = struct.unpack("<Q", src[:8])[0]
write(d, "mnist_bnn_header_only.safetensors", src[:8 + n])  # the real header, data cut off

d = out("idx")
write(d, "images.idx", struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18)))
write(d, "labels.idx", struct.pack(">II", 0x801, 4) + bytes([0, 1, 9, 3]))
write(d, "gzip.idx", b"\x1f\x8b\x08\x00" + bytes(12))

opcodes = []
for line in open("models/isa/isa.def"):
    if line.startswith("CIM_INSN("):
        opcodes.append(int(line.split(",")[2], 16))
rng = random.Random(15)
d = out("program")
words = [(op << 56) | rng.getrandbits(56) for op in opcodes]
write(d, "every_opcode.bin", b"DCIMPRG1" + struct.pack("<Q", len(words)) + struct.pack("<%dQ" % len(words), *words))
write(d, "empty.bin", b"DCIMPRG1" + struct.pack("<Q", 0))
write(d, "huge_count.bin", b"DCIMPRG1" + struct.pack("<Q", 1 << 61))

d = out("asm")
listing = subprocess.run([DCIM, "disasm", "fuzz/corpus/program/every_opcode.bin"], check=True,
                         capture_output=True, text=True).stdout
write(d, "every_opcode.s", listing.encode())
write(d, "loop.s", b"li r2, 3\ntop: addi r1, r1, 1\nblt r1, r2, top\njmp 100\nhalt\n")
write(d, "comments.s", b"# a comment\r\n\n   \nagain: jmp again\n.word 0x0100000000000000\n")

d = out("gpu_csv")
write(d, "power.csv", b"time_s,power_w\n0,30\n0.5,250.5\n1.0,260\n# note\n\n1.5,40\n")
write(d, "bad.csv", b"time_s,power_w\n1,x\n0.5,-3\n1e400,nan\n")

d = out("off")
write(d, "tetra.off", b"OFF\n4 4 6\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n3 0 2 3\n3 1 2 3\n")
write(d, "inline_counts.off", b"OFF4 2 0\n# comment\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n3 0 2 3\n")

d = out("h5")
subprocess.run([SEED_H5, d], check=True)
