"""A seccomp filter: the system calls a check never needs fail with EPERM.

Why a small BPF program written here rather than libseccomp's bindings: the bindings are
not on PyPI in a maintained form and libseccomp.so may be missing where quizcards runs; the
filter is a short deny list (about forty calls and two argument checks), small enough to read
in full, and the numbers come from the kernel's own tables for the two architectures we
support (x86_64 and aarch64; any other architecture reports seccomp as missing).

Denied: new namespaces (unshare, setns, clone with CLONE_NEW*), new processes (fork, vfork,
clone without CLONE_THREAD: a check's memory then lives in one address space, which
RLIMIT_AS caps), exec, mount and friends, ptrace and process_vm_*, bpf, keyctl,
perf_event_open, io_uring (its operations would bypass this filter), userfaultfd, module
and kexec loading, handle-based opens, sockets (a check needs none; socketpair stays for
local pipes), changes of file metadata (chmod, chown, utime, xattrs: Landlock has no
access right for them, so without this an ordinary user's check could chmod any file the
user owns), and memory that RLIMIT_AS does not count (SysV shared memory, semaphores and
message queues, POSIX message queues, memfd). Threads are allowed.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

# struct sock_filter opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16  # offsets in struct seccomp_data (little-endian)

CLONE_THREAD = 0x00010000
CLONE_NEW = (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
             | 0x40000000 | 0x00000080)  # NEWNS CGROUP UTS IPC USER PID NET TIME
AF_UNIX = 1

_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (0xC000003E, {
        "socket": 41, "socketpair": 53, "clone": 56, "fork": 57, "vfork": 58, "execve": 59,
        "ptrace": 101, "syslog": 103, "uselib": 134, "mknod": 133, "acct": 163,
        "pivot_root": 155, "chroot": 161, "settimeofday": 164, "mount": 165, "umount2": 166,
        "swapon": 167, "swapoff": 168, "reboot": 169, "sethostname": 170,
        "setdomainname": 171, "iopl": 172, "ioperm": 173, "init_module": 175,
        "delete_module": 176, "quotactl": 179, "lookup_dcookie": 212, "clock_settime": 227,
        "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
        "mknodat": 259, "perf_event_open": 298, "fanotify_init": 300,
        "name_to_handle_at": 303, "open_by_handle_at": 304, "clock_adjtime": 305,
        "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
        "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "execveat": 322,
        "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435, "pidfd_getfd": 438,
        "process_madvise": 440, "mount_setattr": 442, "quotactl_fd": 443, "adjtimex": 159,
        "vhangup": 153, "chmod": 90, "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94,
        "utime": 132, "utimes": 235, "futimesat": 261, "fchownat": 260, "fchmodat": 268,
        "utimensat": 280, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190,
        "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199, "fchmodat2": 452,
        "setxattrat": 463, "removexattrat": 466, "shmget": 29, "shmat": 30, "shmctl": 31,
        "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66, "msgget": 68, "msgsnd": 69,
        "msgrcv": 70, "msgctl": 71, "semtimedop": 220, "mq_open": 240, "mq_unlink": 241,
        "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
        "memfd_create": 319, "memfd_secret": 447,
    }),
    "aarch64": (0xC00000B7, {
        "socket": 198, "socketpair": 199, "clone": 220, "execve": 221, "ptrace": 117,
        "syslog": 116, "acct": 89, "pivot_root": 41, "chroot": 51, "settimeofday": 170,
        "mount": 40, "umount2": 39, "swapon": 224, "swapoff": 225, "reboot": 142,
        "sethostname": 161, "setdomainname": 162, "init_module": 105, "delete_module": 106,
        "quotactl": 60, "lookup_dcookie": 18, "clock_settime": 112, "kexec_load": 104,
        "add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "mknodat": 33,
        "perf_event_open": 241, "fanotify_init": 262, "name_to_handle_at": 264,
        "open_by_handle_at": 265, "clock_adjtime": 266, "setns": 268,
        "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "finit_module": 273,
        "kexec_file_load": 294, "bpf": 280, "execveat": 281, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "clone3": 435, "pidfd_getfd": 438, "process_madvise": 440,
        "mount_setattr": 442, "quotactl_fd": 443, "adjtimex": 171, "vhangup": 58,
        "fchmod": 52, "fchmodat": 53, "fchownat": 54, "fchown": 55, "utimensat": 88,
        "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14, "lremovexattr": 15,
        "fremovexattr": 16, "fchmodat2": 452, "setxattrat": 463, "removexattrat": 466,
        "msgget": 186, "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semget": 190,
        "semctl": 191, "semtimedop": 192, "semop": 193, "shmget": 194, "shmctl": 195,
        "shmat": 196, "shmdt": 197, "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182,
        "mq_timedreceive": 183, "mq_notify": 184, "mq_getsetattr": 185, "memfd_create": 279,
        "memfd_secret": 447,
    }),
}
_SPECIAL = {"clone", "clone3", "socketpair"}


class _Insn:
    def __init__(self, code: int, k: int, jt: str | int = 0, jf: str | int = 0) -> None:
        self.code, self.k, self.jt, self.jf = code, k, jt, jf


def _assemble(program: list[_Insn | str]) -> bytes:
    """Resolve label jumps (relative, forward only) and pack struct sock_filter[]."""
    labels: dict[str, int] = {}
    insns: list[_Insn] = []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(insns)
        else:
            insns.append(item)
    out = b""
    for i, insn in enumerate(insns):
        jumps = []
        for target in (insn.jt, insn.jf):
            offset = labels[target] - i - 1 if isinstance(target, str) else target
            if not 0 <= offset <= 255:
                raise ValueError("seccomp jump out of range")
            jumps.append(offset)
        out += struct.pack("<HBBI", insn.code, jumps[0], jumps[1], insn.k & 0xFFFFFFFF)
    return out


def build_filter(arch: str | None = None) -> bytes:
    """The BPF program for this machine's architecture (ValueError where unsupported)."""
    arch = arch or platform.machine()
    if arch == "arm64":
        arch = "aarch64"
    if arch not in _ARCHES:
        raise ValueError(f"no seccomp table for {arch}")
    audit_arch, table = _ARCHES[arch]
    eperm = RET_ERRNO | errno.EPERM
    program: list[_Insn | str] = [
        _Insn(_LD_W_ABS, _OFF_ARCH),
        _Insn(_JEQ_K, audit_arch, 0, "deny"),  # another ABI (int 0x80, x32): nothing allowed
        _Insn(_LD_W_ABS, _OFF_NR),
    ]
    if arch == "x86_64":
        program.append(_Insn(_JGE_K, 0x40000000, "deny", 0))  # x32 numbers
    program += [
        _Insn(_JEQ_K, table["clone"], "clone", 0),
        _Insn(_JEQ_K, table["clone3"], "nosys", 0),  # libc falls back to clone, checked below
        _Insn(_JEQ_K, table["socketpair"], "socketpair", 0),
    ]
    for name, number in sorted(table.items(), key=lambda kv: kv[1]):
        if name not in _SPECIAL:
            program.append(_Insn(_JEQ_K, number, "deny", 0))
    program += [
        _Insn(_RET_K, RET_ALLOW),
        "clone",
        _Insn(_LD_W_ABS, _OFF_ARG0),
        _Insn(_JSET_K, CLONE_NEW, "deny", 0),
        _Insn(_JSET_K, CLONE_THREAD, "allow", "deny"),
        "socketpair",
        _Insn(_LD_W_ABS, _OFF_ARG0),
        _Insn(_JEQ_K, AF_UNIX, "allow", "deny"),
        "nosys",
        _Insn(_RET_K, RET_ERRNO | errno.ENOSYS),
        "allow",
        _Insn(_RET_K, RET_ALLOW),
        "deny",
        _Insn(_RET_K, eperm),
    ]
    return _assemble(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Load the filter into this (single-threaded) process; OSError when refused."""
    code = build_filter()
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "no_new_privs failed")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp filter refused")


def available() -> bool:
    """Seccomp filtering is in the kernel and a table exists for this architecture."""
    try:
        build_filter()
    except ValueError:
        return False
    try:
        with open("/proc/sys/kernel/seccomp/actions_avail") as f:
            return "errno" in f.read()
    except OSError:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(21, 0, 0, 0, 0) >= 0  # PR_GET_SECCOMP
