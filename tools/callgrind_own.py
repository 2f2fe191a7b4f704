#!/usr/bin/env python3
"""A program's own instructions in a callgrind profile: what its Rust code executes itself plus
the libc / libstdc++ / libgcc / ld.so calls it makes (allocation, copies, locks), but not the
Vulkan driver, the loader or layers, nor VMA (C++ compiled into the binary: names with a
parameter list or starting with `vma`/`Vma`) and the `vk_mem` crate's wrappers around it.

    tools/callgrind_own.py callgrind.out [FUNCTION_SUBSTRING ...]

Prints the total own count and the own counts (self + libc calls) of the functions whose names
contain one of the substrings, with the number of calls; used by vkres-bench/examples/*_probe.rs
to count vkres's own host cost per resource (issue 20 item 3), as the difference of two runs.
"""
import re
import sys
from collections import defaultdict

LIBC = ("libc.so", "libstdc++", "libgcc", "ld-linux", "libm.so", "libpthread")


def parse(path):
    names = {"ob": {}, "fn": {}}
    self_cost = defaultdict(int)
    calls = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # fn -> callee -> [count, incl]
    cur_ob = cur_fn = None
    call_ob = call_fn = None
    call_count = None

    def name(space, text):
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[space][m.group(1)] = m.group(2)
        return names[space].get(m.group(1), text)

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if call_count is not None:
                    entry = calls[cur_fn][(call_ob or cur_ob, call_fn)]
                    entry[0] += call_count
                    entry[1] += cost
                    call_count = None
                    call_ob = None
                else:
                    self_cost[cur_fn] += cost
                continue
            if line.startswith("ob="):
                cur_ob = name("ob", line[3:])
            elif line.startswith("fn="):
                cur_fn = (cur_ob, name("fn", line[3:]))
            elif line.startswith("cob="):
                call_ob = name("ob", line[4:])
            elif line.startswith("cfn="):
                call_fn = name("fn", line[4:])
            elif line.startswith("calls="):
                call_count = int(line[6:].split()[0])
    return self_cost, calls


def is_libc(ob):
    return any(lib in ob for lib in LIBC)


def is_own(fn, binary):
    ob, name = fn
    if ob is None or not ob.endswith("/" + binary):
        return False
    if "(" in name or name.startswith(("vma", "Vma", "vk_mem::", "<vk_mem::")):
        return False
    return True


def main():
    path = sys.argv[1]
    wanted = sys.argv[2:]
    self_cost, calls = parse(path)
    fns = set(self_cost) | set(calls)
    binaries = [ob.rsplit("/", 1)[-1] for ob, _ in fns if ob and "main" in _ and "::main" in _]
    binary = binaries[0] if binaries else None
    total = 0
    own = {}
    count_of = defaultdict(int)
    for fn in fns:
        for callee, (n, _) in calls[fn].items():
            count_of[callee] += n
    for fn in fns:
        if not is_own(fn, binary):
            continue
        c = self_cost[fn] + sum(incl for (cob, _), (_, incl) in calls[fn].items() if cob and is_libc(cob))
        own[fn] = c
        total += c
    print(f"{binary}: own instructions {total}")
    for w in wanted:
        # inclusive own cost under the matching functions is not computed (recursion); list self+libc
        for fn, c in sorted(own.items(), key=lambda kv: -kv[1]):
            if w in fn[1]:
                print(f"  {c:>14} {count_of[fn]:>8}x  {fn[1]}")



def outgoing(path):
    """Calls from own functions to the driver, loader, layers and VMA, by caller."""
    self_cost, calls = parse(path)
    fns = set(self_cost) | set(calls)
    binaries = [ob.rsplit("/", 1)[-1] for ob, n in fns if ob and "::main" in n]
    binary = binaries[0] if binaries else None
    rows = defaultdict(lambda: [0, 0])
    for fn in fns:
        if not is_own(fn, binary):
            continue
        for (cob, cfn), (n, incl) in calls[fn].items():
            callee = (cob, cfn)
            if (cob and is_libc(cob)) or is_own(callee, binary):
                continue
            key = (fn[1], (cob or "").rsplit("/", 1)[-1] + ":" + (cfn if not cfn.startswith("0x") else "?"))
            rows[key][0] += n
            rows[key][1] += incl
    for (caller, callee), (n, incl) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(f"  {incl:>14} {n:>8}x  {caller} -> {callee[:90]}")



def inclusive(path, wanted):
    """Own instructions under each function (its own, its libc calls', and those of the own
    functions it calls, a callee's shared between its callers by their calls' inclusive cost)."""
    self_cost, calls = parse(path)
    fns = set(self_cost) | set(calls)
    binaries = [ob.rsplit("/", 1)[-1] for ob, n in fns if ob and "::main" in n]
    binary = binaries[0] if binaries else None
    incl_total = defaultdict(int)
    for fn in fns:
        for callee, (_, c) in calls[fn].items():
            incl_total[callee] += c
    memo = {}

    def own_incl(fn, depth=0):
        if fn in memo:
            return memo[fn]
        memo[fn] = 0  # recursion guard
        total = self_cost[fn]
        for (cob, cfn), (_, c) in calls[fn].items():
            callee = (cob or fn[0], cfn)
            if cob and is_libc(cob):
                total += c
            elif is_own(callee, binary) and callee != fn and incl_total[callee]:
                share = c / incl_total[callee]
                total += own_incl(callee, depth + 1) * share
        memo[fn] = total
        return total

    rows = [(own_incl(fn), fn[1]) for fn in fns if is_own(fn, binary) and any(w in fn[1] for w in wanted)]
    for c, name in sorted(rows, reverse=True):
        print(f"  {c:>14.0f}  {name[:140]}")


if __name__ == "__main__":
    if sys.argv[1] == "--out":
        outgoing(sys.argv[2])
    elif sys.argv[1] == "--incl":
        inclusive(sys.argv[2], sys.argv[3:] or [""])
    else:
        main()
