"""Building and running the Speechcue image on this machine with Debian's buildah and podman, for
tests/deploy/test_image.py.

Why Debian's own tools and a Debian base made with debootstrap: the machines reach Debian's and
Python's package registries and no image registry, so the base image is made here from Debian's
packages (python3, python3-venv, python-is-python3, libfribidi0), then the project's Dockerfile builds
on it unchanged (`PYTHON_IMAGE`). Debian 12's buildah (1.28) and podman (4.3) are the oldest builders
the Dockerfile has to satisfy.

What the tools need here, and where it is set without touching /etc for anyone else: a private
`containers.conf` (CONTAINERS_CONF) with open-file and process limits set explicitly (the sandbox has
no CAP_SYS_RESOURCE, so the defaults cannot be raised), runc (crun refuses this cgroup layout) and
host networking (no bridge or slirp here); and a private `storage.conf` (CONTAINERS_STORAGE_CONF) so
images and containers live under CACHE, apart from any other podman use of the machine.

What is cached between runs, and why that is safe: the debootstrap base image, keyed by everything
that makes it (package list, suite, mirror and the machine's CA bundle); a missing or broken cache
is made anew. Each run's image, containers and pods carry the run's own name and are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TEST_IMAGE = "localhost/speechcue"
CACHE = Path(os.environ.get("SPEECHCUE_IMAGE_TEST_CACHE", "/var/cache/speechcue-image-test"))
# Debian packages the tests need: the builders, the runtime (crun is podman's default; runc is the one
# that works in this sandbox) and debootstrap for the base.
DEBIAN_TOOLS = {"buildah": "buildah", "podman": "podman", "runc": "runc", "debootstrap": "debootstrap"}
SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "libfribidi0", "ca-certificates")
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "host"
utsns = "host"
cgroupns = "host"

[engine]
runtime = "runc"
events_logger = "file"
"""
ULIMITS = ("--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768")


class ToolsMissing(RuntimeError):
    """buildah, podman or debootstrap is not installed and cannot be installed here."""


def ensure_debian_tools() -> None:
    """Installs Debian's buildah, podman, runc and debootstrap when one is missing (root only)."""
    missing = [package for command, package in DEBIAN_TOOLS.items() if shutil.which(command) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ToolsMissing(f"install {' '.join(missing)} (Debian packages) to build and run the image")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, env=environment)
    installed = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], capture_output=True, text=True,
                               env=environment)
    if installed.returncode != 0:
        raise ToolsMissing(f"apt-get install {' '.join(missing)} failed:\n{installed.stderr[-2000:]}")


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (its sources name it; no host is written here)."""
    sources = [*Path("/etc/apt/sources.list.d").glob("*.sources"), Path("/etc/apt/sources.list"),
               *Path("/etc/apt/sources.list.d").glob("*.list")]
    for source in sources:
        if not source.is_file():
            continue
        text = source.read_text()
        for match in re.finditer(r"^URIs:\s*(\S+)|^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", text, re.MULTILINE):
            uri = match.group(1) or match.group(2)
            if uri and not uri.rstrip("/").endswith("-security"):
                return uri
    raise ToolsMissing("no Debian mirror found in /etc/apt/sources.list*: debootstrap needs one")


@dataclass
class ContainerHost:
    """buildah and podman with this test's private configuration and storage."""

    root: Path

    @classmethod
    def prepare(cls, root: Path = CACHE) -> ContainerHost:
        ensure_debian_tools()
        # Run-time state (tmpfs) of this storage alone, podman's included: nothing shared with another
        # storage or with the machine's own podman.
        runroot = Path("/run") / f"speechcue-image-test-{hashlib.sha256(str(root).encode()).hexdigest()[:8]}"
        (root / "conf").mkdir(parents=True, exist_ok=True)
        (root / "conf" / "containers.conf").write_text(f'{CONTAINERS_CONF}tmp_dir = "{runroot / "libpod"}"\n')
        # podman refuses a storage made under other settings, so new settings get a storage of their own.
        graphroot = root / f"storage-{hashlib.sha256(CONTAINERS_CONF.encode()).hexdigest()[:8]}"
        (root / "conf" / "storage.conf").write_text(
            f'[storage]\ndriver = "overlay"\ngraphroot = "{graphroot}"\nrunroot = "{runroot}"\n')
        return cls(root)

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.root / "conf" / "containers.conf"),
                "CONTAINERS_STORAGE_CONF": str(self.root / "conf" / "storage.conf")}

    def run(self, tool: str, *args: str, check: bool = True, timeout: float = 600,
            input_bytes: bytes | None = None) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run([tool, *args], env=self.environment, capture_output=True, timeout=timeout,
                                   input=input_bytes)
        result = subprocess.CompletedProcess(completed.args, completed.returncode,
                                             completed.stdout.decode(errors="replace"),
                                             completed.stderr.decode(errors="replace"))
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args[:3])} … failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def podman(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args, check=check, timeout=timeout)

    def image_exists(self, name: str) -> bool:
        return self.podman("image", "exists", name, check=False).returncode == 0

    def base_image(self) -> str:
        """The Debian base, made with debootstrap when this machine has none cached for this key."""
        mirror = debian_mirror()
        ca_bundle = HOST_CA_BUNDLE.read_bytes() if HOST_CA_BUNDLE.exists() else b""
        key = hashlib.sha256("\n".join([SUITE, mirror, *BASE_PACKAGES]).encode() + ca_bundle).hexdigest()[:16]
        name = f"localhost/speechcue-test-base:{SUITE}-{key}"
        if self.image_exists(name):
            return name
        with tempfile.TemporaryDirectory(prefix="speechcue-debootstrap-", dir="/var/tmp") as folder:
            rootfs = Path(folder) / "rootfs"
            made = subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
                                   SUITE, str(rootfs), mirror], capture_output=True, text=True, timeout=900)
            if made.returncode != 0:
                raise RuntimeError(f"debootstrap failed:\n{made.stdout[-2000:]}\n{made.stderr[-2000:]}")
            # pip in the build reaches the package index the way this machine does: through the CAs
            # the machine trusts (a TLS-inspecting proxy's included).
            if ca_bundle:
                (rootfs / HOST_CA_BUNDLE.relative_to("/")).write_bytes(ca_bundle)
                (rootfs / "etc" / "pip.conf").write_text(f"[global]\ncert = {HOST_CA_BUNDLE}\n")
            shutil.rmtree(rootfs / "var" / "cache" / "apt" / "archives", ignore_errors=True)
            archive = Path(folder) / "rootfs.tar"
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True, capture_output=True)
            self.podman("import", "--quiet", str(archive), name)
        return name

    def build(self, context: Path, tag: str, base: str) -> None:
        self.run("buildah", "bud", "--network", "host", *ULIMITS, "--build-arg", f"PYTHON_IMAGE={base}",
                 "--tag", tag, "--file", str(context / "Dockerfile"), str(context), timeout=900)

    def sweep_leftovers(self, *, older_than: float = 3600) -> None:
        """Removes what a run that was killed before its clean-up, or a failed build, left behind: pods,
        containers and test images older than any run lasts (a run that is still going is never that old)."""
        cutoff = time.time() - older_than
        # --external: a failed build's working containers too (buildah's, not podman's).
        containers = json.loads(self.podman("ps", "--all", "--external", "--format", "json", check=False).stdout
                                or "[]")
        for container in containers:
            if container.get("Created", cutoff) < cutoff:
                if container.get("PodName"):
                    self.podman("pod", "rm", "--force", container["PodName"], check=False)
                self.podman("rm", "--force", container["Id"], check=False)
        images = json.loads(self.podman("images", "--format", "json", check=False).stdout or "[]")
        for image in images:
            stale_tests = [name for name in image.get("Names") or [] if name.startswith(f"{TEST_IMAGE}:test-")]
            if stale_tests and image.get("Created", cutoff) < cutoff:
                self.podman("rmi", "--force", *stale_tests, check=False)

    def remove_image(self, tag: str) -> None:
        self.podman("rmi", "--force", tag, check=False)


def hardened_run_arguments() -> Sequence[str]:
    """What the chart's security context asks of a pod, as `podman run` flags."""
    return ("--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp:rw,size=64m,mode=1777",
            "--user", "10001:10001", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--network", "host", *ULIMITS)


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")
