"""Every submission's kernel runs in a bubblewrap (`bwrap`) sandbox.

Student code is hostile (README, "Grading a whole class"): it may look for solutions and hidden
tests, damage the engine or the gradebook, or exhaust the machine. So the kernel nbgrader
starts for a submission sees, through bubblewrap's mount namespace:

- read-only: `/usr` (and the `/bin`, `/lib` links beside it), a few files of `/etc` the dynamic
  loader needs, the Python installation the virtualenv links to, the virtualenv, and a copy of
  the engine (`autograd_core`, not the editable install, whose `__file__` would lead to the
  repository) with `course_tools/kernel_guard.py` beside it as `course_kernel_guard`, on its
  PYTHONPATH (the kernel loads the guard: `--IPKernelApp.extensions=course_kernel_guard`;
  the copy is made once per run by `prepare_engine`, with its bytecode compiled);
- writable: a scratch folder of its own, empty, as its working folder and HOME (IPython's and
  matplotlib's folders in it), and a runtime folder of its own with the connection file and
  jupyter_client's IPC sockets (`transport="ipc"`, which works with the network unshared; no
  kernel sees another's connection file);
- a fresh `/tmp` (tmpfs, writable by all like any `/tmp`, 256 MiB at most: its pages are the
  machine's memory, outside the kernel's own limit), `/proc` of its own PID namespace, a
  minimal `/dev`;
- nothing else: not the repository, `--out`, the gradebook, other students' files, HOME or
  Jupyter's runtime folder (they are simply not mounted).

and `--unshare-net --unshare-pid --unshare-ipc --unshare-uts` (no network; its own PID
namespace, so a process it starts cannot outlive it), `--die-with-parent` (the kernel dies
with its grading worker, which is how a stuck worker is stopped) and `--new-session`. The
environment is cleared and set anew: no `JPY_PARENT_PID` (ipykernel would shut itself down at
once, the parent's PID being invisible in the sandbox), none of the grader's variables (bwrap
itself is started with only PATH and LANG). The kernel can read bwrap's command line
(`/proc/1/cmdline`): the paths of the mounts above, nothing more.

Limits (`Limits`; `--memory` sets the first): RLIMIT_AS (memory, default 2 GiB),
RLIMIT_NPROC (processes and threads), RLIMIT_NOFILE (open files), RLIMIT_FSIZE (size of a
file written). They are set inside the sandbox by a few lines of Python (`LAUNCHER`) that then
exec the kernel. RLIMIT_NPROC does not apply to root, so the kernel must not be root:

- when grading as root (containers, CI), bwrap runs without a user namespace (one made by root
  maps the sandbox's user to root outside, which the limit ignores), with the capabilities to
  change user and nothing else, and the launcher switches to an unprivileged uid of its own
  (`KERNEL_UID_BASE` + the worker's PID, so that no two kernels share a count), which drops
  every capability;
- as any other user, bwrap makes a user namespace (`--unshare-all`) and the kernel runs as that
  user; the limit counts the processes of the sandbox's namespace.

Verified here (Debian 12, bubblewrap 0.8, Linux 6.x, as root): the kernel is PID 2 and sees only
its own processes; `/` holds only the mounts above; writing into the engine fails (read-only
file system), the virtualenv too; 30 `sleep` processes started with `start_new_session` die with
the kernel; with a limit of 20 processes the 20th `Popen` fails with EAGAIN; a 6 GiB allocation
raises MemoryError; the kernel starts in about 0.6 s. `tests/test_grading_sandbox.py` checks
these on every run where bubblewrap works.

Limits that are hit are reported by name (`limit_problems`): `memory: the kernel passed its
2 GiB limit in cell 41 (ex3_nudge_grads)`. Not covered: disk space (a submission can write many
files below the file-size limit into its scratch folder, until the run ends and they are
deleted) and CPU time (the cell and notebook timeouts bound it).
"""

from __future__ import annotations

import asyncio
import compileall
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Unicode

from course_tools import coursekit

DEFAULT_MEMORY = 2 * 2**30
KERNEL_UID_BASE = 200_000
GUARD_MODULE = "course_kernel_guard"
# Where things appear inside the sandbox
ENGINE_MOUNT = "/opt/autograd-course"
HOME_MOUNT = "/home/student"

# Sets the limits, leaves root if the sandbox was started as root, then runs the kernel.
# argv: limits as JSON, then the kernel's command line.
LAUNCHER = """\
import json, os, resource, sys
settings = json.loads(sys.argv[1])
for name, value in settings["rlimits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
if os.getuid() == 0 and settings["uid"]:
    os.setgroups([])
    os.setgid(settings["uid"])
    os.setuid(settings["uid"])
os.execv(sys.argv[2], sys.argv[2:])
"""


class SandboxUnavailable(coursekit.CourseError):
    """No sandbox can be had on this machine; the message says why and how to get one."""


@dataclass(frozen=True)
class Limits:
    """What one kernel may use."""

    memory: int = DEFAULT_MEMORY  # bytes of address space (RLIMIT_AS)
    processes: int = 128  # processes and threads (RLIMIT_NPROC); an idle kernel has ~10
    open_files: int = 256  # file descriptors (RLIMIT_NOFILE); an idle kernel has ~40
    file_size: int = 64 * 2**20  # bytes in one file written (RLIMIT_FSIZE)
    tmp_size: int = 256 * 2**20  # bytes in /tmp, a tmpfs: the machine's memory, not the kernel's

    def rlimits(self) -> dict[str, int]:
        """The limits the launcher sets with setrlimit (not tmp_size: bwrap's `--size`)."""
        return {"RLIMIT_AS": self.memory, "RLIMIT_NPROC": self.processes,
                "RLIMIT_NOFILE": self.open_files, "RLIMIT_FSIZE": self.file_size}


def byte_size(count: int) -> str:
    """2147483648 -> '2 GiB', 100 * 2**20 -> '100 MiB'."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{count / size:g} {unit}"
    return f"{count} bytes"


def parse_byte_size(text: str) -> int:
    """'2G', '2GiB', '1500M', '512MiB', '2147483648' -> bytes (for --memory)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {text!r} (examples: 2G, 1500M, 4GiB)")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit])


# --------------------------------------------------------------------------------------------
# The command line


def _as_root() -> bool:
    return os.geteuid() == 0


def _mount_parents(path: str, made: set[str], args: list[str]) -> None:
    """bwrap makes missing parent folders of a mount point mode 0700, which an unprivileged
    kernel cannot cross: make them 0755 first."""
    parents = list(Path(path).parents)[::-1][1:]  # without "/"
    for parent in parents:
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]


@functools.lru_cache(maxsize=None)
def _bwrap_knows(option: str) -> bool:
    """Whether this bwrap has an option (`--size` came with bubblewrap 0.8)."""
    try:
        said = subprocess.run([shutil.which("bwrap") or "bwrap", "--help"], capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in said.stdout + said.stderr


def bwrap_command(engine: Path, home: Path, runtime: Path,
                  tmp_size: int = Limits.tmp_size, language: str = "en") -> list[str]:
    """bwrap and its options, up to the `--` before the command it runs; `language` is the one
    the test messages are shown in (COURSE_LANG, course_messages)."""
    if _as_root():
        isolation = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                     "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add",
                     "CAP_SETGID"]
    else:
        isolation = ["--unshare-all"]
    args = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session",
            *isolation, *(["--size", str(tmp_size)] if _bwrap_knows("--size") else []),
            "--perms", "1777", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
            "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    made: set[str] = set()
    _mount_parents("/etc/fonts", made, args)
    # the dynamic loader's cache, and what Graphviz's `dot` needs to find fonts quickly
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                 "/etc/alternatives", "/etc/fonts", "/var/cache/fontconfig"):
        args += ["--ro-bind-try", path, path]
    for prefix in dict.fromkeys([sys.base_prefix, sys.prefix]):  # Python, then the venv
        real = os.path.realpath(prefix)
        if real == "/usr" or real.startswith("/usr/"):
            continue
        _mount_parents(prefix, made, args)
        args += ["--ro-bind", real, prefix]
    for inside in (ENGINE_MOUNT, HOME_MOUNT, str(runtime)):
        _mount_parents(inside, made, args)
    args += ["--ro-bind", str(engine), ENGINE_MOUNT, "--bind", str(home), HOME_MOUNT,
             "--bind", str(runtime), str(runtime),
             "--chdir", HOME_MOUNT, "--clearenv"]
    environment = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME_MOUNT, "IPYTHONDIR": f"{HOME_MOUNT}/.ipython",
        "MPLCONFIGDIR": f"{HOME_MOUNT}/.config/matplotlib", "TMPDIR": "/tmp",
        "PYTHONPATH": ENGINE_MOUNT, "PYTHONNOUSERSITE": "1", "LANG": "C.UTF-8",
        # one thread per BLAS: the same numbers on any machine, and far from the process limit
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1", "COURSE_LANG": language,
    }
    for name, value in environment.items():
        args += ["--setenv", name, value]
    return args + ["--"]


def runtime_root() -> Path:
    """A folder with a short path for a run's kernels' runtime folders (IPC socket paths are
    limited to 107 bytes); the run removes it at the end, with whatever a killed kernel left."""
    short = tempfile.gettempdir() if len(tempfile.gettempdir()) < 40 else "/tmp"
    folder = Path(tempfile.mkdtemp(prefix="grading-", dir=short))
    folder.chmod(0o755)
    return folder


def kernel_uid() -> int:
    """The unprivileged uid a kernel runs as when grading as root: one per worker process."""
    return KERNEL_UID_BASE + os.getpid()


def launcher_command(limits: Limits, uid: int) -> list[str]:
    settings = json.dumps({"rlimits": limits.rlimits(), "uid": uid if _as_root() else 0})
    return [sys.executable, "-c", LAUNCHER, settings]


# --------------------------------------------------------------------------------------------
# The engine's copy and the probe


def prepare_engine(folder: Path) -> Path:
    """Copy the engine, the test messages' catalogues and the kernel guard into folder,
    compile their bytecode (the sandbox cannot write any), and make them readable by an
    unprivileged kernel."""
    import autograd_core
    import course_messages

    from course_tools import kernel_guard

    folder.mkdir(parents=True, exist_ok=True)
    for package in (autograd_core, course_messages):
        source = Path(package.__file__).resolve().parent
        shutil.copytree(source, folder / package.__name__,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(kernel_guard.__file__, folder / f"{GUARD_MODULE}.py")
    compileall.compile_dir(str(folder), quiet=2)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def unavailable_reason() -> str | None:
    """Why no sandbox can be had here (with how to get one), or None if one can."""
    if not sys.platform.startswith("linux"):
        return (f"the sandbox (bubblewrap) needs Linux, and this is {sys.platform}. Grade on a "
                "Linux machine or in a Linux virtual machine or container (Debian, Ubuntu: "
                "apt-get install bubblewrap)")
    if shutil.which("bwrap") is None:
        return ("bubblewrap (`bwrap`) is not installed. Install it with `sudo apt-get install "
                "bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora) or "
                "`sudo pacman -S bubblewrap` (Arch); `./course` installs it when run as root")
    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as scratch:
        folder = Path(scratch)
        engine, home, runtime = folder / "engine", folder / "home", folder / "runtime"
        for path in (engine, home, runtime):
            path.mkdir()
            path.chmod(0o755)
        folder.chmod(0o755)
        uid = kernel_uid()
        if _as_root():
            for path in (home, runtime):
                os.chown(path, uid, uid)
        command = bwrap_command(engine, home, runtime) + launcher_command(Limits(), uid) + [
            sys.executable, "-c", "import os; open('probe', 'w').write(str(os.getuid()))"]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bubblewrap could not be run ({error})"
        written = home / "probe"
        if run.returncode == 0 and written.is_file() and written.read_text() != "0":
            return None
        said = (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]
    return (f"bubblewrap could not start a sandbox here ({said}). It needs user namespaces "
            "(as a user other than root: `sysctl user.max_user_namespaces` above 0; Debian's "
            "kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 and later "
            "kernel.apparmor_restrict_unprivileged_userns=0) or, as root in a container, the "
            "right to make namespaces (docker run --privileged, or --cap-add SYS_ADMIN "
            "--security-opt seccomp=unconfined --security-opt apparmor=unconfined)")


def require_sandbox() -> None:
    """Stop with the reason when no sandbox can be had."""
    reason = unavailable_reason()
    if reason:
        raise SandboxUnavailable(
            f"cannot grade safely: {reason}. Student code would run with your rights; "
            "if you trust every submission, pass --no-sandbox (each summary row then says "
            "not-sandboxed)")


# --------------------------------------------------------------------------------------------
# The kernel manager nbclient uses


class SandboxedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, starting the kernel inside bubblewrap over IPC
    sockets. Each kernel gets a scratch folder of its own under `kernels_root` and a runtime
    folder of its own in the system's temporary folder (socket paths must be short), both
    removed when the kernel is cleaned up. `kernel_cmd` is ignored by current jupyter_client,
    so the command is wrapped in `format_kernel_cmd`."""

    kernels_root = Unicode("", help="Folder for each kernel's scratch folder").tag(config=True)
    runtime_root = Unicode("", help="Folder for each kernel's runtime folder (a short path: "
                           "IPC socket paths are limited to 107 bytes)").tag(config=True)
    engine = Unicode("", help="The engine's copy (prepare_engine)").tag(config=True)
    limits = Dict(help="Limits' fields (see Limits)").tag(config=True)
    language = Unicode("en", help="The language of the test messages (COURSE_LANG)").tag(
        config=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transport = "ipc"
        self._home: Path | None = None
        self._runtime: Path | None = None
        self._uid = kernel_uid()

    async def _async_pre_start_kernel(self, **kwargs):
        root = Path(self.kernels_root or tempfile.gettempdir())
        root.mkdir(parents=True, exist_ok=True)
        self._home = Path(tempfile.mkdtemp(prefix="kernel-home-", dir=root))
        self._runtime = Path(tempfile.mkdtemp(prefix="kernel-", dir=self.runtime_root or None))
        if _as_root():
            for path in (self._home, self._runtime):
                os.chown(path, self._uid, self._uid)
        # A signal would reach bwrap, which does not pass it on: interrupt through the control
        # channel instead (ipykernel then sends SIGINT to its own process group).
        self.kernel_spec.interrupt_mode = "message"
        self.connection_file = str(self._runtime / "kernel.json")
        self.ip = str(self._runtime / "ipc")
        command, kwargs = await super()._async_pre_start_kernel(**kwargs)
        # bwrap itself (PID 1 in the sandbox, whose /proc/1/environ the kernel may read when
        # both run as the same user) gets none of the grader's variables either
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        if _as_root():  # written 0600 by jupyter_client: the kernel's user must read it
            os.chown(self.connection_file, self._uid, self._uid)
        return command, kwargs

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        command.append(f"--IPKernelApp.extensions={GUARD_MODULE}")
        engine = Path(self.engine)
        assert self._home and self._runtime, "format_kernel_cmd before pre_start_kernel"
        limits = Limits(**self.limits)
        return (bwrap_command(engine, self._home, self._runtime, limits.tmp_size,
                              self.language)
                + launcher_command(limits, self._uid) + command)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            for folder in (self._home, self._runtime):
                if folder is not None:
                    await asyncio.to_thread(shutil.rmtree, folder, True)
            self._home = self._runtime = None


# --------------------------------------------------------------------------------------------
# Limits hit, by name

_LIMIT_SIGNS = (
    ("memory", re.compile(r"MemoryError|Cannot allocate memory|std::bad_alloc")),
    ("processes", re.compile(r"Resource temporarily unavailable|can't start new thread")),
    ("open-files", re.compile(r"Too many open files")),
    ("file-size", re.compile(r"File too large")),
)


def _what_was_passed(name: str, limits: Limits) -> str:
    return {
        "memory": f"its {byte_size(limits.memory)} limit",
        "processes": f"its limit of {limits.processes} processes and threads",
        "open-files": f"its limit of {limits.open_files} open files",
        "file-size": f"its {byte_size(limits.file_size)} limit on a file's size",
    }[name]


def limit_problems(nb: nbformat.NotebookNode, limits: Limits, label,
                   died_at: int | None = None, kernel_log: str = "") -> list[str]:
    """One problem per limit hit, naming the first cell that hit it: an error output whose
    name or message is the limit's (MemoryError; EAGAIN from fork; EMFILE; EFBIG), or a
    kernel that died at cell `died_at` with the limit's sign in its own log (`kernel_log`,
    its stderr). `label(index)` names a cell. A death is said so (the chapter scores 0)."""
    found: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
            for name, sign in _LIMIT_SIGNS:
                if name not in found and sign.search(text):
                    found[name] = (f"{name}: the kernel passed "
                                   f"{_what_was_passed(name, limits)} in {label(index)}")
    if died_at is not None:
        for name, sign in _LIMIT_SIGNS:
            if name not in found and sign.search(kernel_log):
                found[name] = (f"{name}: the kernel passed {_what_was_passed(name, limits)} "
                               f"in {label(died_at)} and died; scored 0")
    return list(found.values())
