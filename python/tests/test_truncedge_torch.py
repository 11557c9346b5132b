"""Tests of truncedge_torch against TruncEdge itself (run from the repository root):

    python3 -m unittest discover -s python/tests -v

They need Debian's python3-torch and python3-onnx (or PyTorch 2.x), the digits data set
(scripts/fetch-data.sh digits) and the truncedge CLI of this checkout (./truncedge).
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import truncedge_torch as tt  # noqa: E402

TRUNCEDGE = os.path.join(ROOT, "truncedge")


def truncedge(*args, check=True):
    r = subprocess.run([TRUNCEDGE, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if check and r.returncode != 0:
        raise AssertionError(f"truncedge {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def load_digits():
    """sklearn's 8x8 digits as TruncEdge's DataSets.Digits reads them: value v -> code
    (255 v + 8) // 16, sample i in the test part when i % 5 == 4. Returns code / 255 floats."""
    root = os.environ.get("TRUNCEDGE_DATA", os.path.expanduser("~/.cache/truncedge/data"))
    path = os.path.join(root, "digits", "digits.csv.gz")
    if not os.path.exists(path):
        raise unittest.SkipTest(f"{path} missing: run scripts/fetch-data.sh digits")
    parts = {0: ([], []), 1: ([], [])}
    with gzip.open(path, "rt") as f:
        for i, line in enumerate(l for l in f if l.strip()):
            v = [int(float(x)) for x in line.split(",")]
            images, labels = parts[1 if i % 5 == 4 else 0]
            images.append([(255 * x + 8) // 16 for x in v[:64]])
            labels.append(v[64])

    def tensors(p):
        return (torch.tensor(p[0], dtype=torch.float32).reshape(-1, 1, 8, 8) / 255, torch.tensor(p[1]))
    return tensors(parts[0]), tensors(parts[1])


def digits_cnn(quantizer=tt.TRUNCQUANT, bits=(1, 2, 4, 8)):
    """The shape of examples/digits-cnn: three 3x3 convs, first and last layer pinned."""
    return nn.Sequential(
        tt.QuantInput(),
        tt.QConv2d(1, 16, 3, padding=1, quantizer=quantizer, pinned=True), tt.SwitchableBatchNorm2d(16, pinned=True), tt.QuantAct(4),
        nn.MaxPool2d(2),
        tt.QConv2d(16, 32, 3, padding=1, quantizer=quantizer), tt.SwitchableBatchNorm2d(32, bits), tt.QuantAct(4),
        nn.MaxPool2d(2),
        tt.QConv2d(32, 32, 3, padding=1, quantizer=quantizer), tt.SwitchableBatchNorm2d(32, bits), tt.QuantAct(4),
        nn.AdaptiveAvgPool2d(1), tt.QuantAct(8), nn.Flatten(),
        tt.QLinear(32, 10, quantizer=quantizer, pinned=True))


class WeightCodesTests(unittest.TestCase):
    def test_truncquant_md_vectors(self):
        x = torch.tensor([-0.30, -0.12, -0.05, 0.00, 0.02, 0.07, 0.11, 0.25])
        e, q8 = tt.weight_codes(x)
        self.assertEqual(q8.tolist(), [0, 75, 106, 128, 136, 158, 176, 235])
        self.assertAlmostEqual(e, 0.115, places=7)
        self.assertEqual((q8 >> 4).tolist(), [0, 4, 6, 8, 8, 9, 11, 14])
        self.assertEqual(tt.weight_codes(x, tt.ROUND, 4)[1].tolist(), [0, 4, 6, 8, 8, 9, 10, 14])

    def test_training_forward_gives_the_same_codes_as_the_exact_ones(self):
        g = torch.Generator().manual_seed(1)
        for k in range(1, 9):
            w = torch.randn(500, generator=g)
            e, q8 = tt.weight_codes(w)
            fake = tt.quantize_weight(w.double(), k)
            exact = tt.deployed_weight(e, q8, k)
            self.assertTrue(torch.allclose(fake, exact, rtol=0, atol=1e-12), f"k={k}")

    def test_codes_equal_the_compilers_on_random_tensors(self):
        """The exporter's codes against src/Model's WeightCodes, bit for bit: the same random
        Conv weights compiled once with the codes in the file and once computed by the compiler."""
        g = torch.Generator().manual_seed(7)
        weights = []
        for i in range(12):
            w = torch.randn((4, 4, 3, 3), generator=g) * (10.0 ** float(torch.randint(-4, 2, (1,), generator=g)))
            if i % 3 == 1:
                w[torch.rand(w.shape, generator=g) < 0.3] = 0.0  # exact zeros: u = 1/2
            elif i % 3 == 2:
                w = torch.round(w / w.abs().max() * 8) / 8  # few distinct values: ties of u * 2^k
            weights.append(w)
        # codes on a knife edge: x with u * 256 within float noise of every integer j (M = tanh(1)),
        # where any difference in tanh or in the arithmetic of u would flip a code
        m = np.tanh(1.0)
        edge = [1.0] + [float(np.float32(np.arctanh((j / 256 - 0.5) * 2 * m))) for j in range(1, 144)]
        weights.append(torch.tensor(edge, dtype=torch.float32).reshape(4, 4, 3, 3))
        layers = [tt.QuantInput()]
        for w in weights:
            conv = tt.QConv2d(4, 4, 3, padding=1)
            conv.weight.data = w.clone()
            layers += [conv, tt.QuantAct(8)]
        model = nn.Sequential(*layers)
        codes = {}
        with tempfile.TemporaryDirectory() as d:
            for variant in ("exported", "computed"):
                path = os.path.join(d, f"{variant}.onnx")
                tt.export(model, path, (4, 6, 6))
                if variant == "computed":
                    m = onnx.load(path)
                    keep = [t for t in m.graph.initializer if not t.name.endswith((".tq_codes", ".tq_mean_abs"))]
                    del m.graph.initializer[:]
                    m.graph.initializer.extend(keep)
                    onnx.save(m, path)
                out = os.path.join(d, variant)
                truncedge("compile", path, "-o", out, "--no-pin")
                with open(os.path.join(out, "model.c")) as f:
                    codes[variant] = re.findall(r"static const uint8_t \w+_codes\[\d+\] = \{([^}]*)\}", f.read())
        self.assertEqual(len(codes["exported"]), len(weights))
        self.assertEqual(codes["exported"], codes["computed"])


class InstallTests(unittest.TestCase):
    def test_pip_installs_the_package_from_the_repository(self):
        with tempfile.TemporaryDirectory() as d:
            venv = os.path.join(d, "venv")
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True, timeout=300)
            py = os.path.join(venv, "bin", "python")
            # from a copy, so that the build leaves nothing in the checkout
            src = shutil.copytree(os.path.join(ROOT, "python"), os.path.join(d, "src"),
                                  ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
            r = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", src],
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = subprocess.run([py, "-c", "import truncedge_torch as t; print(t.__file__, t.__version__)"],
                               cwd=d, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(os.path.join(venv, "lib"), r.stdout)


class ExportRefusalTests(unittest.TestCase):
    def test_a_module_outside_the_profile_is_named(self):
        model = nn.Sequential(tt.QuantInput(), tt.QConv2d(1, 4, 3), nn.Sigmoid())
        with self.assertRaises(tt.ExportError) as e:
            tt.export(model, os.devnull, (1, 8, 8))
        self.assertIn("Sigmoid", str(e.exception))
        self.assertIn("2", str(e.exception))  # the module's name in the Sequential

    def test_a_weight_quantizer_in_the_forward_is_explained(self):
        class Raw(nn.Module):
            def __init__(self):
                super().__init__()
                self.inp = tt.QuantInput()
                self.w = nn.Parameter(torch.randn(4, 1, 3, 3))

            def forward(self, x):
                return torch.nn.functional.conv2d(self.inp(x), torch.tanh(self.w) * self.w.abs().mean())

        with self.assertRaises(tt.ExportError) as e:
            tt.export(Raw(), os.devnull, (1, 8, 8))
        self.assertIn("weight quantizer must not be exported", str(e.exception))


class ResidualExportTests(unittest.TestCase):
    def test_a_residual_network_exports_and_verifies(self):
        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv1, self.bn1, self.act1 = tt.QConv2d(c, c, 3, padding=1), tt.SwitchableBatchNorm2d(c), tt.QuantAct(4)
                self.conv2, self.bn2 = tt.QConv2d(c, c, 3, padding=1), tt.SwitchableBatchNorm2d(c)
                self.act2 = tt.QuantAct(4)

            def forward(self, x):
                return self.act2(self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x))))) + x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.inp = tt.QuantInput()
                self.stem = nn.Sequential(tt.QConv2d(3, 8, 3, padding=1, pinned=True), tt.SwitchableBatchNorm2d(8, pinned=True), tt.QuantAct(4))
                self.block = Block(8)
                self.pool, self.q8 = nn.AdaptiveAvgPool2d(1), tt.QuantAct(8)
                self.fc = tt.QLinear(8, 5, pinned=True)

            def forward(self, x):
                return self.fc(torch.flatten(self.q8(self.pool(self.block(self.stem(self.inp(x))))), 1))

        torch.manual_seed(3)
        net = Net()
        net.train()
        for k in (None, 8, 4, 2, 1):  # give every BatchNorm running statistics
            tt.set_weight_bits(net, k)
            with torch.no_grad():
                net(torch.rand(16, 3, 10, 10))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "residual.onnx")
            tt.export(net, path, (3, 10, 10))
            truncedge("verify", path, "--target", "host", "--bits", "1-8", "--samples", "10")


class DistributedTrainingTests(unittest.TestCase):
    def test_the_readme_script_trains_with_ddp_on_two_cpu_processes_and_exports(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "ddp.onnx")
            r = subprocess.run([sys.executable, os.path.join(ROOT, "python", "examples", "train_digits.py"),
                                "--processes", "2", "--steps", "6", "--out", out], capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("2 DDP replicas in sync", r.stdout)
            truncedge("inspect", out)


class DigitsEndToEndTests(unittest.TestCase):
    """A small CNN trained on the 8x8 digits for a few seconds in PyTorch, exported, verified
    bit-exact at k = 1..8 on the host and cortex-m4, and the integer Program's accuracy per k
    against PyTorch's own (eval mode: the deployed weights) within 0.3 points."""

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        torch.set_num_threads(2)
        (cls.x, cls.y), (cls.tx, cls.ty) = load_digits()
        cls.model = digits_cnn()
        opt = torch.optim.Adam(cls.model.parameters(), lr=3e-3)
        start, steps = time.time(), 0
        while time.time() - start < float(os.environ.get("TRUNCEDGE_TORCH_SECONDS", "20")):
            perm = torch.randperm(len(cls.x))
            for i in range(0, len(perm), 64):
                idx = perm[i:i + 64]
                tt.joint_step(cls.model, cls.x[idx], cls.y[idx], opt)
                steps += 1
        cls.steps = steps
        cls.dir = tempfile.mkdtemp(prefix="truncedge-torch-")
        cls.path = os.path.join(cls.dir, "model.onnx")
        tt.export(cls.model, cls.path, (1, 8, 8))

    def test_the_program_is_bit_exact_at_every_k_on_host_and_cortex_m4(self):
        for target in ("host", "cortex-m4"):
            r = truncedge("verify", self.path, "--target", target, "--bits", "1-8", "--samples", "40")
            self.assertIn("bit-exact", r.stdout + r.stderr)

    def test_integer_accuracy_per_k_equals_pytorchs(self):
        r = truncedge("eval", self.path, "--data", "digits", "--json")
        integer = {row["bits"]: 100 * row["accuracy"] for row in json.loads(r.stdout)["integerTrunc"]}
        torch_acc = {k: 100 * tt.accuracy(self.model, self.tx, self.ty, k) for k in range(1, 9)}
        print(f"\n{self.steps} joint steps; top-1 % by k, PyTorch / integer Program:", file=sys.stderr)
        for k in range(1, 9):
            print(f"  k={k}: {torch_acc[k]:.2f} / {integer[k]:.2f}", file=sys.stderr)
        self.assertGreater(torch_acc[8], 80.0, "the model did not learn")
        for k in range(1, 9):
            self.assertLessEqual(abs(torch_acc[k] - integer[k]), 0.3, f"k={k}: PyTorch {torch_acc[k]:.2f}, Program {integer[k]:.2f}")


if __name__ == "__main__":
    unittest.main()
