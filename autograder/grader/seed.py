"""The grading seed: fresh random inputs per submission, the same on every regrade, and
impossible for the submission to compute.

    seed = first 8 bytes of HMAC-SHA256(key, the submission's code cells)
    key  = SHA-256 of what only the bundle holds: the random secret setup.sh writes once per
           Gradescope image (SECRET_FILE, readable by root only), then every test file with
           its hidden cases

The student process cannot read the bundle (isolation keeps it out), so knowing its own
cells does not let it compute the seed, nor the random inputs of the hidden checks.

Reproducible: Gradescope runs every submission and every regrade of one autograder upload
in the image setup.sh built, so with the same secret; a new upload makes a new image and
so new random inputs. Bundles stay byte-identical across builds: the secret is made where
the bundle is installed, never at build time. Where setup.sh did not run (`make grade`
unpacks the bundle itself), the key comes from the hidden test files alone: the same for
every build of the assignment, unknown to students, who never get hidden tests.
"""

import hashlib
import hmac
import pathlib

SECRET_FILE = "grading_secret"
VARIABLE = "VG_GRADING_SEED"  # read by the test files (_grading_rng)


def bundle_key(source_dir):
    """The key: SHA-256 of the image's secret (if any) and of every test file, by name."""
    source_dir = pathlib.Path(source_dir)
    digest = hashlib.sha256(b"vg_grader seed key\0")
    secret = source_dir / SECRET_FILE
    if secret.is_file():
        digest.update(b"secret\0" + secret.read_bytes() + b"\0")
    for path in sorted((source_dir / "tests").glob("*.py")):
        content = path.read_bytes()
        digest.update(f"test {path.name} {len(content)}\0".encode() + content)
    return digest.digest()


def submission_seed(key, cells):
    """A 64-bit seed from the bundle's key and the submission's code cells."""
    message = b"".join(len(cell.encode("utf-8", "surrogatepass")).to_bytes(8, "big")
                       + cell.encode("utf-8", "surrogatepass") for cell in cells)
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
