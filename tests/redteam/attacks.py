"""The red-team corpus: every route by which a check could change a verdict or reach outside
its sandbox, each written as the attack itself.

Three ways in:
- `typed`: a typed answer to a value, shape or raises card (it must never run);
- `answer`: a code answer to the card `f` below, whose values the attacker cannot know;
- `card`: the code of a hostile deck the user trusted (it runs, confined): it sets `result`
  to whatever it managed to get, so a leak would show up in the verdict.

Upper-case fields in braces are filled from the arena (other braces are code): {T} the
folder of targets the identity owns, {SECRET}, {WORKER} and {CLIENT} (pids), {TCP} {UDP}
{UNIX} {ABSTRACT} (listeners), {HOST_TMP} {SHM} (markers on the host), {DB} (the quizcards
database), {SITE} (site-packages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# the code card the `answer` attacks aim at: its values cannot be guessed from the prompt
F_TESTS = ("assert f(17) == 29907\n"
           "assert [f(i) for i in range(5)] == [13, 7932, 15851, 23770, 31689]")
F_REFERENCE = "def f(x):\n    return (x * 7919 + 13) % 104729"
F_WRONG = "def f(x):\n    return x"

_WRITE_FDS = """
import os
for fd in range(3, 256):
    try:
        os.write(fd, LINE)
    except OSError:
        pass
"""


@dataclass(frozen=True)
class Attack:
    name: str
    route: str  # forge | read | write | network | process | resource | namespace
    via: str  # typed | answer | card
    code: str
    statuses: frozenset[str] = frozenset({"ok", "error"})
    card_kind: str = "value"  # for `typed` attacks: the kind of card answered
    timeout: float = 1.0
    settle: float = 0.0  # seconds to wait before looking for late effects
    shows: str | None = None  # for `card` attacks: the result that proves each try failed
    target: dict[str, Any] | None = None  # for `answer` attacks: another code card to answer


TABLE_CARD = {"id": "table", "kind": "code", "prompt": "Write f",
              "tests": "for a, b in [(4, 31689), (5, 39608)]:\n    assert f(a) == b\n",
              "reference": F_REFERENCE}
BIG_BATCH_CARD = {
    "id": "accumulate", "kind": "code", "prompt": "Write train_step", "tests": (
        "torch.manual_seed(0)\n"
        "m1, m2 = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)\n"
        "m2.load_state_dict(m1.state_dict())\n"
        "x, y = torch.randn(8, 3), torch.randn(8, 1)\n"
        "o1 = torch.optim.SGD(m1.parameters(), lr=0.1)\n"
        "o2 = torch.optim.SGD(m2.parameters(), lr=0.1)\n"
        "o1.zero_grad(); torch.nn.MSELoss()(m1(x), y).backward(); o1.step()\n"
        "batches = list(zip(x.chunk(2), y.chunk(2)))\n"
        "total = train_step(m2, o2, torch.nn.MSELoss(), batches, 2)\n"
        "assert torch.allclose(m1.weight, m2.weight, atol=1e-6)\n"
        "assert isinstance(total, float)\n"),
    "reference": (
        "def train_step(model, opt, loss_fn, batches, accum):\n"
        "    opt.zero_grad()\n    total = 0.0\n    for x, y in batches:\n"
        "        loss = loss_fn(model(x), y)\n        (loss / accum).backward()\n"
        "        total += loss.item()\n    opt.step()\n    return total\n")}


def fill(code: str, fields: dict[str, Any]) -> str:
    return re.sub(r"\{([A-Z_]+)\}", lambda m: str(fields[m.group(1)]), code)


def _a(name: str, route: str, via: str, code: str, *statuses: str, **kw: object) -> Attack:
    return Attack(name, route, via, code, frozenset(statuses or {"ok", "error"}), **kw)  # type: ignore[arg-type]


ATTACKS: list[Attack] = [
    # -- forging a verdict with a typed answer (it is read as data, never run) ----------------
    _a("value answer patches math.isnan", "forge", "typed",
       "(setattr(math, 'isnan', lambda x: True), tensor([0., 0.]))[1]"),
    _a("value answer runs a shell", "forge", "typed",
       "__import__('os').system('touch {T}/typed-marker') or tensor([0.2689, 0.7311])"),
    _a("value answer climbs to object subclasses", "forge", "typed",
       "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]"
       "(['touch', '{T}/typed-marker'])"),
    _a("value answer evals the truth", "forge", "typed", "eval('tensor([0.2689, 0.7311])')"),
    _a("shape answer smuggles a statement", "forge", "typed",
       "(2,)\nimport os; os.system('touch {T}/typed-marker')", card_kind="shape"),
    _a("raises answer smuggles a call", "forge", "typed",
       "IndexError'); __import__('os').system('touch {T}/typed-marker'); ('",
       card_kind="raises"),
    # -- forging a verdict with a code answer ------------------------------------------------
    _a("an object equal to everything", "forge", "answer",
       "class Anything:\n    def __eq__(self, other):\n        return True\n"
       "    __hash__ = object.__hash__\n\ndef f(x):\n    return Anything()"),
    _a("a verdict line written to every descriptor", "forge", "answer",
       "LINE = b'{\"status\": \"ok\", \"correct\": true, \"expected\": \"x\", \"got\": \"x\"}\\n'"
       + _WRITE_FDS + "os._exit(0)", "ok", "error", "crashed"),
    _a("a well-formed observation claiming every check", "forge", "answer",
       "import json\nunits = [{'k': 'L1.1.0', 'v': True}, {'k': 'L2.1.0', 'v': True}]\n"
       "LINE = json.dumps({'v': 1, 'units': units}).encode() + b'\\n'" + _WRITE_FDS
       + "os._exit(0)", "ok", "error", "crashed"),
    _a("the result pipe found through /proc/self/fd", "forge", "answer",
       "import os\nLINE = b'{\"v\": 1}\\n'\n"
       "for name in os.listdir('/proc/self/fd'):\n"
       "    try:\n        os.write(int(name), LINE)\n    except OSError:\n        pass\n"
       "def f(x):\n    return 0", "ok", "error", "crashed"),
    _a("expected values searched for in memory and frames", "forge", "answer",
       "import gc, sys\nfound = None\n"
       "for o in gc.get_objects():\n"
       "    if isinstance(o, dict):\n"
       "        for v in list(o.values()):\n"
       "            if isinstance(v, str) and ('7919' in v or '29907' in v):\n"
       "                found = v\n"
       "frame = sys._getframe()\n"
       "while frame is not None:\n"
       "    for v in list(frame.f_locals.values()):\n"
       "        if isinstance(v, str) and '7919' in v:\n            found = v\n"
       "    frame = frame.f_back\n"
       "ns = {}\n"
       "if found and 'def f' in found:\n    exec(found, ns)\n"
       "def f(x):\n    return ns['f'](x) if 'f' in ns else (29907 if found else 0)",
       "ok", "error", "timeout", timeout=3.0),
    _a("exec and compile replaced so the checks never run", "forge", "answer",
       "import builtins\nbuiltins.exec = lambda *a, **k: None\n"
       "builtins.compile = lambda *a, **k: None\ndef f(x):\n    return 0"),
    _a("the runner's observer replaced", "forge", "answer",
       "import sys\nrun = sys.modules['quizcards.checker.run']\n"
       "def fake(self, key, thunk):\n    self.units.append({'k': key, 'v': True})\n"
       "    return True, True\n"
       "run._Runner.observe = fake\nrun._Runner.compare = lambda self, key, thunks, ops: "
       "fake(self, key + '.0', None)\ndef f(x):\n    return 0"),
    _a("the encoder replaced", "forge", "answer",
       "import sys\nproto = sys.modules['quizcards.checker.protocol']\n"
       "proto.encode_or_opaque = lambda v: 29907\n"
       "sys.modules['quizcards.checker.run'].encode_or_opaque = lambda v: True\n"
       "def f(x):\n    return 0"),
    _a("json.dumps replaced with garbage", "forge", "answer",
       "import json\njson.dumps = lambda *a, **k: '{\"v\": 1, \"units\": \"all\"}'\n"
       "def f(x):\n    return 0", "ok", "error", "crashed"),
    _a("sys.exit before the checks", "forge", "answer", "import sys\nsys.exit(0)"),
    _a("os._exit before the checks", "forge", "answer", "import os\nos._exit(0)",
       "ok", "crashed"),
    _a("operator.eq patched", "forge", "answer",
       "import operator\noperator.eq = lambda a, b: True\ndef f(x):\n    return 0"),
    _a("a thread that writes forged lines while the checks run", "forge", "answer",
       "import threading, os, json\nLINE = json.dumps({'v': 1, 'units': []}).encode() + b'\\n'\n"
       "def spam():\n    for _ in range(2000):\n"
       "        for fd in range(3, 16):\n"
       "            try:\n                os.write(fd, LINE)\n            except OSError:\n"
       "                pass\nthreading.Thread(target=spam, daemon=True).start()\n"
       "def f(x):\n    return 0", "ok", "error", "crashed"),
    _a("every descriptor closed", "forge", "answer",
       "import os\nos.closerange(3, 1024)\ndef f(x):\n    return 0", "ok", "crashed"),
    _a("an endless loop in the answer", "forge", "answer",
       "def f(x):\n    while True:\n        pass", "timeout"),
    _a("the reference found in the memory inherited from the worker", "forge", "answer",
       "import gc\nfor o in gc.get_objects():\n"
       "    if type(o) is dict and type(o.get('code')) is str and 'gc.get_objects' not in "
       "o['code']:\n"
       "        try:\n            exec(o['code'], globals())\n        except Exception:\n"
       "            pass\n"
       "    if type(o) is dict and type(o.get('observation')) is str and '29907' in "
       "o['observation']:\n"
       "        globals()['f'] = lambda x, _v=[29907, 13, 7932, 15851, 23770, 31689]: "
       "_v.pop(0)\n"
       "if 'f' not in globals():\n    def f(x):\n        return 0",
       "ok", "error", "timeout", timeout=3.0),
    _a("an int where the reference gives a float", "forge", "answer",
       "def f(x):\n    return float((x * 7919 + 13) % 104729)"),
    _a("a class whose == says yes to anything", "forge", "answer",
       "class Liar(int):\n    def __eq__(self, other):\n        return True\n"
       "    __hash__ = int.__hash__\n\ndef f(x):\n    return Liar(0)"),
    _a("expected values read from a table the tests loop over", "forge", "answer",
       "import sys\ndef f(x):\n    frame = sys._getframe(1)\n    while frame is not None:\n"
       "        for name, value in frame.f_locals.items():\n"
       "            if name == 'b' and isinstance(value, int):\n                return value\n"
       "        frame = frame.f_back\n    return 0", "ok", "error", target=TABLE_CARD),
    _a("the expected model copied from the tests' frames", "forge", "answer",
       "import sys\ndef train_step(model, opt, loss_fn, batches, accum):\n"
       "    total = sum(loss_fn(model(x), y).item() for x, y in batches)\n"
       "    frame = sys._getframe(1)\n    while frame is not None:\n"
       "        m1 = frame.f_locals.get('m1') or frame.f_globals.get('m1')\n"
       "        if m1 is not None:\n            model.load_state_dict(m1.state_dict())\n"
       "            break\n        frame = frame.f_back\n    return total",
       target=BIG_BATCH_CARD),
    _a("a set whose items all hash alike", "forge", "answer",
       "import sys\nproto = sys.modules['quizcards.checker.protocol']\n"
       "big = [k * (2**61 - 1) for k in range(1, 40000)]\n"
       "proto.encode_or_opaque = lambda v: {'t': 'set', 'items': big}\n"
       "sys.modules['quizcards.checker.run'].encode_or_opaque = proto.encode_or_opaque\n"
       "def f(x):\n    return 0", "ok", "error", "crashed", timeout=2.0),
    _a("a complex number too large for a float", "forge", "answer",
       "import sys\nproto = sys.modules['quizcards.checker.protocol']\n"
       "bomb = lambda v: {'t': 'complex', 're': 10**400, 'im': 0}\n"
       "sys.modules['quizcards.checker.run'].encode_or_opaque = bomb\n"
       "def f(x):\n    return 0", "ok", "error", "crashed"),
    _a("a hex number too long to print", "forge", "typed", "0x" + "f" * 3700),
    # -- reading outside -----------------------------------------------------------------------
    _a("system files", "read", "card", "out = []\nfor p in ('/etc/shadow', '/etc/passwd'):\n"
       "    try:\n        out.append(open(p).read()[:200])\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"),
    _a("a world-readable file the user owns", "read", "card",
       "try:\n    result = open('{T}/secret.txt').read()\n"
       "except OSError as e:\n    result = type(e).__name__"),
    _a("the user's keys and notes", "read", "card",
       "import os\nout = []\nfor p in ('{T}/home/.ssh/id_rsa', '{T}/home/notes.txt'):\n"
       "    try:\n        out.append(open(p).read())\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\n"
       "try:\n    out.append(os.listdir('{T}/home'))\nexcept OSError as e:\n"
       "    out.append(type(e).__name__)\nresult = out"),
    _a("the quizcards database and trusted.json", "read", "card",
       "out = []\nfor p in ('{DB}', '{T}/qhome/config/trusted.json', '{T}/decks/deck.yaml'):\n"
       "    try:\n        out.append(open(p, 'rb').read().decode(errors='replace'))\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"),
    _a("the environment of the app and of init", "read", "card",
       "import os\nout = [dict(os.environ)]\n"
       "for p in ('/proc/self/environ', '/proc/{CLIENT}/environ', '/proc/1/environ',"
       " '/proc/{WORKER}/environ'):\n"
       "    try:\n        out.append(open(p, 'rb').read().decode(errors='replace'))\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"),
    _a("the worker's memory", "read", "card",
       "out = []\nfor p in ('/proc/{WORKER}/maps', '/proc/{WORKER}/mem', '/proc/{CLIENT}/cmdline'):"
       "\n    try:\n        out.append(open(p, 'rb').read(100).decode(errors='replace'))\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"),
    # -- writing outside -----------------------------------------------------------------------
    _a("a world-writable file the user owns", "write", "card",
       "try:\n    open('{T}/writable.txt', 'w').write('pwned')\n"
       "except OSError as e:\n    pass\nresult = 1"),
    _a("the home folder", "write", "card",
       "import os\nfor p in ('{T}/home/marker', os.path.expanduser('~/../marker')):\n"
       "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\nresult = 1"),
    _a("the host's /tmp and /dev/shm", "write", "card",
       "for p in ('{HOST_TMP}', '{SHM}'):\n"
       "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\nresult = 1"),
    _a("the database and the deck files", "write", "card",
       "for p in ('{DB}', '{T}/decks/deck.yaml', '{T}/qhome/config/trusted.json'):\n"
       "    try:\n        open(p, 'w').write('pwned')\n    except OSError:\n"
       "        pass\nresult = 1"),
    _a("permissions and owners changed", "write", "card",
       "import os\nfor fn in (lambda: os.chmod('{T}/secret.txt', 0o777),"
       " lambda: os.chown('{T}/secret.txt', 0, 0), lambda: os.unlink('{T}/victim.txt'),"
       " lambda: os.rename('{T}/victim.txt', '{T}/moved.txt')):\n"
       "    try:\n        fn()\n    except OSError:\n        pass\nresult = 1"),
    _a("times and extended attributes changed", "write", "card",
       "import os\nout = []\nfor fn in (lambda: os.utime('{T}/secret.txt', (0, 0)),"
       " lambda: os.setxattr('{T}/secret.txt', 'user.x', b'1'),"
       " lambda: os.chmod('{T}/home', 0o777),"
       " lambda: os.chown('{T}/home', -1, 0)):\n"
       "    try:\n        fn()\n        out.append('done')\n    except OSError as e:\n"
       "        out.append(type(e).__name__)\nresult = out"),
    _a("metadata changed through descriptors", "write", "card",
       "import os\nout = []\nfor path in ('{T}/secret.txt', '{SITE}'):\n"
       "    for flags in (os.O_RDONLY, os.O_PATH):\n"
       "        try:\n            fd = os.open(path, flags)\n"
       "        except OSError as e:\n            out.append(type(e).__name__)\n"
       "            continue\n"
       "        for fn in (lambda: os.fchmod(fd, 0o777), lambda: os.chown(fd, -1, 0),"
       " lambda: os.utime(fd, (0, 0))):\n"
       "            try:\n                fn()\n                out.append('done')\n"
       "            except OSError as e:\n                out.append(type(e).__name__)\n"
       "result = out"),
    _a("symlinks planted for the next check's folder", "write", "card",
       "import glob, os\nmade = 0\n"
       "for base in glob.glob('/tmp/quizcards-*') + glob.glob('/tmp/check*') + ['.', '..']:\n"
       "    for n in range(64):\n"
       "        try:\n            os.symlink('{T}/victim.txt', os.path.join(base, f'check-{n}'))"
       "\n            made += 1\n        except OSError:\n            pass\nresult = made"),
    _a("a module planted in site-packages", "write", "card",
       "try:\n    open('{SITE}/quizcards_redteam_marker.py', 'w').write('x')\n"
       "except OSError:\n    pass\nresult = 1"),
    # -- network -------------------------------------------------------------------------------
    _a("TCP to a local listener", "network", "card",
       "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {TCP}), timeout=0.5)\n"
       "    result = 'connected'\nexcept OSError as e:\n    result = type(e).__name__"),
    _a("UDP to a local listener", "network", "card",
       "import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
       "    s.sendto(b'x', ('127.0.0.1', {UDP}))\n    result = 'sent'\n"
       "except OSError as e:\n    result = type(e).__name__"),
    _a("a 0666 pathname unix socket", "network", "card",
       "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX)\n    s.connect('{UNIX}')\n"
       "    result = 'connected'\nexcept OSError as e:\n    result = type(e).__name__"),
    _a("an abstract unix socket", "network", "card",
       "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX)\n"
       "    s.connect('\\0{ABSTRACT}')\n    result = 'connected'\n"
       "except OSError as e:\n    result = type(e).__name__"),
    _a("a raw netlink socket", "network", "card",
       "import socket\ntry:\n    socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)\n"
       "    result = 'opened'\nexcept OSError as e:\n    result = type(e).__name__"),
    # -- processes ---------------------------------------------------------------------------
    _a("a daemon that outlives the check", "process", "card",
       "import os, time\ntry:\n    if os.fork() == 0:\n        os.setsid()\n"
       "        if os.fork() == 0:\n            time.sleep(1)\n"
       "            open('{T}/daemon-marker', 'w').write('x')\n        os._exit(0)\n"
       "    result = 'forked'\nexcept OSError as e:\n    result = type(e).__name__",
       settle=1.5),
    _a("a fork bomb", "process", "card",
       "import os\nn = 0\ntry:\n    while n < 5000:\n        os.fork()\n        n += 1\n"
       "except OSError as e:\n    pass\nresult = n", "ok", "error", "crashed", "timeout"),
    _a("a thread that outlives the check", "process", "card",
       "import threading, time\n"
       "def late():\n    time.sleep(1)\n    open('{T}/thread-marker', 'w').write('x')\n"
       "threading.Thread(target=late).start()\nresult = 1", settle=1.5),
    _a("a thousand threads", "process", "card",
       "import threading, time\nn = 0\ntry:\n    for _ in range(1000):\n"
       "        threading.Thread(target=time.sleep, args=(0.3,), daemon=True).start()\n"
       "        n += 1\nexcept (RuntimeError, MemoryError):\n    pass\nresult = 1",
       "ok", "error", "memory"),
    _a("killing the worker", "process", "card",
       "import os\ntry:\n    os.kill({WORKER}, 9)\n    result = 'killed'\n"
       "except OSError as e:\n    result = type(e).__name__"),
    _a("killing its parent and everything", "process", "card",
       "import os, signal\nout = []\nfor pid in (os.getppid(), {CLIENT}, -1):\n"
       "    try:\n        os.kill(pid, signal.SIGKILL)\n        out.append('sent')\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\nresult = out"),
    _a("ptrace of the worker", "process", "card",
       "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
       "result = [libc.ptrace(16, {WORKER}, 0, 0), ctypes.get_errno()]"),
    _a("running a program", "process", "card",
       "import os, subprocess\ntry:\n"
       "    subprocess.run(['/bin/sh', '-c', 'touch {T}/exec-marker'], timeout=1)\n"
       "    result = 'ran'\nexcept OSError as e:\n    result = type(e).__name__"),
    # -- resources -------------------------------------------------------------------------------
    _a("memory spread over forks", "resource", "card",
       "import os, time\nout = []\nfor _ in range(6):\n    try:\n        pid = os.fork()\n"
       "    except OSError as e:\n        out.append(type(e).__name__)\n        continue\n"
       "    if pid == 0:\n        b = bytearray(800 << 20)\n        time.sleep(3)\n"
       "        os._exit(0)\n    out.append(pid)\nresult = out"),
    _a("memory outside the address space: SysV shm, memfd, message queues", "resource",
       "card",
       "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
       "libc.shmat.restype = ctypes.c_void_p\nout = []\n"
       "sid = libc.shmget(0, 32 << 20, 0o1600)\nout.append(sid)\n"
       "try:\n    fd = os.memfd_create('m')\n    os.write(fd, b'1' * (8 << 20))\n"
       "    out.append('memfd')\nexcept OSError as e:\n    out.append(type(e).__name__)\n"
       "out.append(libc.msgget(0, 0o1600))\nout.append(libc.semget(0, 1, 0o1600))\n"
       "result = out", shows="[-1, 'PermissionError', -1, -1]"),
    _a("10**11 floats", "resource", "card", "x = torch.empty(10**11)\nresult = 1", "memory"),
    _a("a list of 10**11 items", "resource", "card", "x = [0.0] * 10**11\nresult = 1",
       "memory"),
    _a("CPU in C code", "resource", "card",
       "x = torch.randn(1500, 1500)\nwhile True:\n    x = (x @ x).tanh()", "timeout"),
    _a("filling the disk", "resource", "card",
       "import os\nchunk = b'x' * (1 << 20)\nn = 0\n"
       "for folder in ('.', '/tmp', '/dev/shm', '{T}', '/var/tmp'):\n"
       "    for i in range(200):\n        try:\n"
       "            with open(os.path.join(folder, f'fill-{i}'), 'wb') as f:\n"
       "                f.write(chunk * 8)\n            n += 8\n"
       "        except OSError:\n            break\nresult = n"),
    _a("printing forever", "resource", "card",
       "while True:\n    print('spam' * 1000)", "crashed"),
    _a("recursion with the limit lifted", "resource", "card",
       "import sys\nsys.setrecursionlimit(10**8)\ndef g(n):\n    return g(n + 1)\ng(0)",
       "crashed", "timeout"),
    _a("a segfault", "resource", "card", "import ctypes\nctypes.string_at(0)", "crashed"),
    # -- namespaces --------------------------------------------------------------------------
    _a("new namespaces and mounts", "namespace", "card",
       "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nout = []\n"
       "for flag in (0x10000000, 0x20000, 0x40000000, 0x20000000):\n"
       "    out.append(libc.unshare(flag))\n"
       "out.append(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None))\n"
       "try:\n    out.append(libc.setns(os.open('/proc/1/ns/mnt', os.O_RDONLY), 0))\n"
       "except OSError as e:\n    out.append(type(e).__name__)\n"
       "out.append(libc.syscall(56, 0x20000 | 17, 0, 0, 0, 0))\n"
       "if out[-1] == 0:\n    os._exit(0)\nresult = out"),
]
