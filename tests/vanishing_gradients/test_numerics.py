"""The lab's training runs are chaotic: the Makefile pins the numerical kernels of the build and the
tests (OpenBLAS core type and threads, numpy's dispatched SIMD loops, glibc's libm variants) so that
every x86-64 machine computes the same runs. These tests check that the pins are complete and
reach the processes that compute the runs."""

import os
import platform
import re
import subprocess
import sys

import numpy as np
import pytest
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

from ..conftest import ASSIGNMENT, REPO

pytestmark = pytest.mark.skipif(
    platform.machine() != "x86_64" or not sys.platform.startswith("linux"),
    reason="the pins name x86-64 kernels: other CPUs compute other runs, which the claims and the lab's tests allow")

# A short run clipped by norm, printed to the last bit: chaotic enough that one differently rounded
# kernel changes its digits (under the machine's own kernels these runs differ between CPUs).
FINGERPRINT = f"""
from builder import config
ref = config.load({ASSIGNMENT!r}).reference
run = ref.train_rnn(0, "gaussian", 3.0, clip=lambda grads: ref.clip_gradients(grads, 1.0)[0], updates=40)
print(run["loss"].tobytes().hex(), run["grad_norm"].tobytes().hex(), repr(run["eval_loss"]))
"""


def pinned_environment():
    """{variable: value} that the Makefile exports to the build and the tests."""
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    pins = dict(re.findall(r"^\$\(PINNED_KERNELS\): export (\w+) := (.*)$", text, flags=re.M))
    return {name: " ".join(value.split()) for name, value in pins.items()}


def fingerprint(**changes):
    environment = {**os.environ, **pinned_environment(), **changes}
    completed = subprocess.run([sys.executable, "-c", FINGERPRINT], env=environment, capture_output=True, text=True,
                               check=True, timeout=300)
    return completed.stdout


def test_makefile_pins_every_kernel_choice():
    """Does the Makefile pin OpenBLAS's core type and threads, glibc's FMA variants, and disable exactly the
    features numpy dispatches at run time?"""
    pins = pinned_environment()
    assert set(pins) == {"OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "NPY_DISABLE_CPU_FEATURES", "GLIBC_TUNABLES"}
    assert pins["NPY_DISABLE_CPU_FEATURES"].split() == list(__cpu_dispatch__)
    assert pins["OPENBLAS_CORETYPE"] == "Prescott" and pins["OPENBLAS_NUM_THREADS"] == "1"
    assert set(pins["GLIBC_TUNABLES"].removeprefix("glibc.cpu.hwcaps=").split(",")) == {"-AVX2", "-FMA", "-FMA4"}
    assert re.search(r"^PINNED_KERNELS := \$\(BUNDLES\) test test-fast goldens$", (REPO / "Makefile").read_text(),
                     flags=re.M)


def test_the_tests_run_on_the_pinned_kernels():
    """Does this test process run with the Makefile's pins, so that its training runs are the build's?"""
    differ = {name: os.environ.get(name) for name, value in pinned_environment().items()
              if os.environ.get(name) != value}
    assert not differ, (f"the tests run without the Makefile's kernel pins ({differ}): run them with `make test`, "
                        "or export the variables of PINNED_KERNELS in the Makefile first")
    assert not any(__cpu_features__[feature] for feature in __cpu_dispatch__)


def test_pinned_run_does_not_depend_on_what_the_machine_offers():
    """Under the pins, is a chaotic training run the same to the last bit with more threads and with glibc told
    the CPU lacks AVX, AVX-512 and SSE4 (as an older x86-64 machine would)?"""
    pinned = fingerprint()
    assert fingerprint(OPENBLAS_NUM_THREADS="2") == pinned
    assert fingerprint(GLIBC_TUNABLES="glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F,-AVX,-SSE4_2,-SSE4_1") == pinned
    assert np.isfinite(float(pinned.split()[-1]))
