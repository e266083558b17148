#!/usr/bin/env python3
"""layers.py: the layering check behind scripts/check-layers.sh.

From the built objects (nm of BUILD/libhotline.a's members and of the two
mains) it computes which module calls which, and from the sources which
module includes which module's header, and fails on

  - a cycle in either graph that scripts/layers-allow.txt does not list
    (an edge A -> B is on a cycle when B also reaches A; the allow-list
    names such edges, so any new edge on a cycle fails, and the list can
    shrink as cycles are broken),
  - a symbol of the node, the TAXII server, the console or the API defined
    in the `hotline` binary (the CLI must not carry the daemon's code),
  - a file-scope mutable variable (.data, .bss; not const) outside alloc.c
    that the allow-list does not name.

Modules: an object is its own module, except that X_*.o belongs to X when
X.o exists (node_*.o is `node`, store_*.o `store`, taxii_*.o `taxii`,
config_*.o `config`, misp_*.o `misp`), and cli_*.o and hotline.o are `cli`.
A header belongs to the module of its .c file (x_int.h, xint.h and
xinit.h to x); headers of no module (hl_limits.h, version.h) are skipped.
Standard library only.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

MUTABLE_SECTIONS = re.compile(r'^(\.data|\.bss|\.tdata|\.tbss|\.data\.rel|\.data\.rel\.local|'
                              r'\*COM\*|COMMON)(\..*)?$')
READONLY_SECTIONS = re.compile(r'^(\.rodata|\.data\.rel\.ro)')
# symbols the compiler or a sanitizer adds
TOOL_SYMBOL = re.compile(r'^(\.|__asan|___asan|__ubsan|__sancov|__odr_asan|__llvm|__gcov)')
DAEMON_IN_CLI = re.compile(r'^hl_(node|taxii|console|api|http|auth|stixshare)_')


def fail_usage(msg):
    print('check-layers: ' + msg, file=sys.stderr)
    sys.exit(2)


def run(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        fail_usage('%s not found' % cmd[0])
    except subprocess.CalledProcessError as e:
        fail_usage('%s failed: %s' % (' '.join(cmd), e.stderr.strip()))


# ---- modules ----

def module_namer(names):
    """A function: object or source base name -> module."""
    names = set(names)

    def module(base):
        if base == 'hotline' or base == 'cli' or base.startswith('cli_'):
            return 'cli'
        if '_' in base and base.split('_', 1)[0] in names:
            return base.split('_', 1)[0]
        return base
    return module


def header_module(h, sources, module):
    """The module a header "x.h" belongs to, or None."""
    base = h[:-2]
    for cand in (base, base[:-4] if base.endswith('_int') else None,
                 base[:-4] if base.endswith('init') else None,
                 base[:-3] if base.endswith('int') else None):
        if cand and (cand in sources or module(cand) in sources or cand == 'cli'):
            return module(cand)
    return None


# ---- graphs ----

def call_graph(objs, module):
    """{(A, B): [symbols]} for calls (and data references) from A to B."""
    defined, undef = {}, collections.defaultdict(set)
    for line in run(['nm', '-P', '-A'] + objs).splitlines():
        if ': ' not in line:
            continue
        path, rest = line.split(': ', 1)
        mod = module(os.path.basename(path)[:-2])
        f = rest.split()
        if len(f) < 2:
            continue
        sym, typ = f[0], f[1]
        if typ == 'U':
            undef[mod].add(sym)
        elif typ.isupper() and typ != 'N':
            defined.setdefault(sym, mod)
    edges = collections.defaultdict(list)
    for a, syms in undef.items():
        for s in sorted(syms):
            b = defined.get(s)
            if b is not None and b != a:
                edges[(a, b)].append(s)
    return edges


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def include_graph(srcdir, module):
    """{(A, B): [file:header]} for #include "b.h" in a file of module A."""
    files = sorted(f for f in os.listdir(srcdir) if f.endswith(('.c', '.h')))
    sources = {f[:-2] for f in files if f.endswith('.c')}
    edges = collections.defaultdict(list)
    for f in files:
        a = header_module(f, sources, module) if f.endswith('.h') else module(f[:-2])
        if a is None:
            continue
        with open(os.path.join(srcdir, f), encoding='utf-8', errors='replace') as fh:
            text = fh.read()
        for h in INCLUDE.findall(text):
            b = header_module(os.path.basename(h), sources, module)
            if b is not None and b != a:
                edges[(a, b)].append('%s: "%s"' % (f, h))
    return edges


def sccs(nodes, edges):
    """Strongly connected components (Tarjan, iterative)."""
    succ = collections.defaultdict(list)
    for a, b in edges:
        succ[a].append(b)
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter[0]
                counter[0] += 1
                stack.append(v)
                on.add(v)
            nxt = sorted(succ[v])
            if i < len(nxt):
                work.append((v, i + 1))
                w = nxt[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            for w in nxt:
                if w in on:
                    low[v] = min(low[v], low[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def path_back(edges, comp, src, dst):
    """A shortest path src -> ... -> dst inside comp."""
    succ = collections.defaultdict(list)
    for a, b in edges:
        if a in comp and b in comp:
            succ[a].append(b)
    prev, queue = {src: None}, collections.deque([src])
    while queue:
        v = queue.popleft()
        if v == dst:
            break
        for w in sorted(succ[v]):
            if w not in prev:
                prev[w] = v
                queue.append(w)
    path, v = [], dst
    while v is not None:
        path.append(v)
        v = prev.get(v)
    return list(reversed(path))


def cycle_edges(edges):
    """The edges that lie on a cycle, and the components they form."""
    nodes = {a for a, _ in edges} | {b for _, b in edges}
    on_cycle = {}
    for comp in sccs(nodes, edges):
        if len(comp) < 2:
            continue
        cs = set(comp)
        for (a, b) in edges:
            if a in cs and b in cs:
                on_cycle[(a, b)] = comp
    return on_cycle


# ---- the allow-list ----

def read_allow(path):
    allow = {'call': set(), 'include': set(), 'global': set()}
    if path is None or not os.path.exists(path):
        return allow
    with open(path, encoding='utf-8') as fh:
        for n, line in enumerate(fh, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            f = line.split()
            if len(f) < 3 or f[0] not in allow:
                fail_usage('%s:%d: expected "call|include A B" or "global MODULE SYMBOL"'
                           % (path, n))
            allow[f[0]].add((f[1], f[2]))
    return allow


# ---- checks ----

def check_cycles(kind, edges, allow, problems, notes, show):
    """Each strongly connected component of more than one module is a set
    of cycles; an edge in it that the allow-list does not name is new."""
    on_cycle = cycle_edges(edges)
    comps = collections.OrderedDict()
    for e, comp in sorted(on_cycle.items()):
        comps.setdefault(tuple(comp), []).append(e)
    for comp, es in comps.items():
        new = [e for e in es if e not in allow[kind]]
        if not new and not show:
            continue
        lines = ['%s %s cycle among %s' % ('NEW' if new else 'allowed', kind, ', '.join(comp))]
        for (a, b) in (new or es):
            why = edges[(a, b)]
            cyc = [a] + path_back(edges, set(comp), b, a)
            lines.append('    %s%s -> %s (%s%s), closing %s' % (
                'new edge ' if new else '', a, b, ', '.join(why[:3]),
                ' +%d more' % (len(why) - 3) if len(why) > 3 else '', ' -> '.join(cyc)))
        (problems if new else notes).extend(lines)
    for (a, b) in sorted(allow[kind]):
        if (a, b) not in on_cycle:
            notes.append('allow-list: %s %s %s is no longer on a cycle: remove it' % (kind, a, b))
    return on_cycle


def mutable_globals(objs, module):
    """[(module, object, symbol, section)] of writable variables."""
    out, base = [], None
    for line in run(['nm', '-f', 'sysv'] + objs).splitlines():
        m = re.match(r'^Symbols from (.*):$', line.strip())
        if m:
            base = os.path.basename(m.group(1))[:-2]
            continue
        f = [x.strip() for x in line.split('|')]
        if base is None or base == 'alloc' or len(f) < 7 or f[3] not in ('OBJECT', 'TLS'):
            continue            # (alloc.c: the allocator's fault-injection counters)
        sym, sect = f[0], f[6]
        if TOOL_SYMBOL.match(sym) or READONLY_SECTIONS.match(sect):
            continue
        if MUTABLE_SECTIONS.match(sect):
            out.append((module(base), base + '.o', sym, sect))
    return out


def check(build, srcdir, allow_path, show_allowed=True, print_allow=False):
    lib = os.path.join(build, 'libhotline.a')
    if not os.path.exists(lib):
        fail_usage('%s: not built (make all)' % lib)
    objdir = os.path.join(build, 'obj')
    members = [m for m in run(['ar', 't', lib]).split() if m.endswith('.o')]
    objs = [os.path.join(objdir, m) for m in members]
    objs += [os.path.join(objdir, m) for m in ('hotline.o', 'hotlined.o')
             if os.path.exists(os.path.join(objdir, m))]
    module = module_namer(os.path.basename(o)[:-2] for o in objs)
    allow = read_allow(allow_path)
    problems, notes = [], []

    calls = call_graph(objs, module)
    incs = include_graph(srcdir, module)
    call_cyc = check_cycles('call', calls, allow, problems, notes, show_allowed)
    inc_cyc = check_cycles('include', incs, allow, problems, notes, show_allowed)

    cli = os.path.join(build, 'hotline')
    if os.path.exists(cli):
        for line in run(['nm', '-P', cli]).splitlines():
            f = line.split()
            if len(f) >= 2 and f[1] in 'TDBRVW' and DAEMON_IN_CLI.match(f[0]):
                problems.append('hotline (the CLI) defines %s' % f[0])
    else:
        problems.append('%s: not built' % cli)

    globs = mutable_globals(objs, module)
    for mod, obj, sym, sect in globs:
        if (mod, sym) in allow['global']:
            if show_allowed:
                notes.append('allowed global: %s %s (%s %s)' % (mod, sym, obj, sect))
        else:
            problems.append('mutable global: %s %s (%s %s)' % (mod, sym, obj, sect))
    for mod, sym in sorted(allow['global']):
        if not any(m == mod and s == sym for m, _, s, _ in globs):
            notes.append('allow-list: global %s %s is gone: remove it' % (mod, sym))

    if print_allow:
        for (a, b) in sorted(call_cyc):
            print('call %s %s' % (a, b))
        for (a, b) in sorted(inc_cyc):
            print('include %s %s' % (a, b))
        for mod, _, sym, _ in sorted(set(globs)):
            print('global %s %s' % (mod, sym))
        return 0

    mods = {module(os.path.basename(o)[:-2]) for o in objs}
    print('check-layers: %d modules; %d call edges (%d on cycles), %d include edges '
          '(%d on cycles)' % (len(mods), len(calls), len(call_cyc), len(incs), len(inc_cyc)))
    for n in notes:
        print('check-layers: ' + n)
    for p in problems:
        print('check-layers: FAIL: ' + p)
    if problems:
        print('check-layers: FAILED (new cycles fail; so do daemon symbols in hotline and '
              'mutable globals; known ones are in %s)' % allow_path)
        return 1
    print('check-layers: ok')
    return 0


# ---- self-test: plant each fault in a copy and expect the check to fail ----

PLANTS = {
    # a store file calling the node (the node calls the store): a new call cycle
    'call': ('store_zzplant.c', '#include "nodeinit.h"\nvoid hl_store_zzplant(void);\n'
             'void hl_store_zzplant(void) { hl_node_free((struct hl_node *)0); }\n',
             'NEW call cycle'),
    # buf.c including a node header (the node includes buf.h): a new include cycle
    'include': ('buf.c', None, 'NEW include cycle'),
    # a counter at file scope
    'global': ('zzplant.c', 'int hl_zzplant_count;\nint hl_zzplant(void);\n'
               'int hl_zzplant(void) { return ++hl_zzplant_count; }\n', 'mutable global'),
    # the CLI defining an API symbol
    'cli': (None, None, 'hotline (the CLI) defines hl_api_zzplant'),
}


def self_test(build, srcdir, allow_path):
    cc = os.environ.get('CC', 'cc')
    ok = True
    tmp = tempfile.mkdtemp(prefix='hotline-layers.')
    try:
        for name, (fname, text, want) in PLANTS.items():
            b = os.path.join(tmp, name, 'build')
            s = os.path.join(tmp, name, 'src')
            # links to the real files; what a plant changes is a copy
            shutil.copytree(os.path.join(build, 'obj'), os.path.join(b, 'obj'),
                            ignore=shutil.ignore_patterns('*.d'), copy_function=os.symlink)
            shutil.copy(os.path.join(build, 'libhotline.a'), b)
            shutil.copy(os.path.join(build, 'hotline'), b)
            shutil.copytree(srcdir, s, copy_function=os.symlink)
            if name == 'include':
                os.unlink(os.path.join(s, 'buf.c'))
                shutil.copy(os.path.join(srcdir, 'buf.c'), os.path.join(s, 'buf.c'))
                with open(os.path.join(s, 'buf.c'), 'a', encoding='utf-8') as fh:
                    fh.write('#include "nodeinit.h"\n')
            elif name == 'cli':
                obj = os.path.join(tmp, 'zzcli.o')
                src = os.path.join(tmp, 'zzcli.c')
                with open(src, 'w', encoding='utf-8') as fh:
                    fh.write('int hl_api_zzplant(void);\nint hl_api_zzplant(void) { return 1; }\n'
                             'int main(void) { return hl_api_zzplant(); }\n')
                run([cc, '-c', '-o', obj, src])
                run([cc, '-o', os.path.join(b, 'hotline'), obj])
            else:
                src = os.path.join(s, fname)
                with open(src, 'w', encoding='utf-8') as fh:
                    fh.write(text)
                obj = os.path.join(b, 'obj', fname[:-2] + '.o')
                run([cc, '-c', '-iquote', srcdir, '-o', obj, src])
                run(['ar', 'rs', os.path.join(b, 'libhotline.a'), obj])
            res = subprocess.run([sys.executable, __file__, '--build', b, '--src', s,
                                  '--allow', allow_path], capture_output=True, text=True)
            got = res.returncode != 0 and want in res.stdout
            print('check-layers self-test: %s planted -> %s' %
                  (name, 'fails as it must' if got else 'NOT DETECTED'))
            if not got:
                print(res.stdout + res.stderr)
                ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # the unchanged tree passes, with the allow-list and only with it; a
    # stale allow-list line is pointed out without failing
    tmpf = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False)
    try:
        with open(allow_path, encoding='utf-8') as fh:
            tmpf.write(fh.read())
        tmpf.write('call buf log\n')
        tmpf.close()
        runs = [('the tree as built', allow_path, 0, 'check-layers: ok'),
                ('the tree without the allow-list', os.devnull, 1, 'FAILED'),
                ('a stale allow-list line', tmpf.name, 0,
                 'call buf log is no longer on a cycle: remove it')]
        for what, allow, rc, want in runs:
            res = subprocess.run([sys.executable, __file__, '--build', build, '--src',
                                  srcdir, '--allow', allow, '--quiet'],
                                 capture_output=True, text=True)
            good = (res.returncode == 0) == (rc == 0) and want in res.stdout
            print('check-layers self-test: %s -> %s' %
                  (what, ('passes' if rc == 0 else 'fails') + (' as it must' if good else
                                                               ': NOT AS EXPECTED')))
            if not good:
                print(res.stdout + res.stderr)
                ok = False
    finally:
        os.unlink(tmpf.name)
    return 0 if ok else 1


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description='layering check (see the top of this file)')
    ap.add_argument('--build', default=os.path.join(root, 'build'))
    ap.add_argument('--src', default=os.path.join(root, 'src'))
    ap.add_argument('--allow', default=os.path.join(root, 'scripts', 'layers-allow.txt'))
    ap.add_argument('--self-test', action='store_true',
                    help='plant a call cycle, an include cycle, a global and a daemon '
                         'symbol in the CLI in copies; each must fail')
    ap.add_argument('--print-allow', action='store_true',
                    help="print today's cycle edges and globals as allow-list lines")
    ap.add_argument('--quiet', action='store_true', help='do not list the allowed cycles')
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.build, a.src, a.allow)
    return check(a.build, a.src, a.allow, show_allowed=not a.quiet, print_allow=a.print_allow)


if __name__ == '__main__':
    sys.exit(main())
