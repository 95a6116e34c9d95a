"""Summarise `mutmut run`: killed mutants per module, and whether the target holds.

Run by `make mutation` after mutmut; reads `mutmut results --all true`
("<module>.<function>__mutmut_<n>: <status>" a line). The target (issue 13:
at least 90 % killed) holds for each module on its own: a well-tested module
must not hide a poorly tested one. Survivors judged equivalent (no test can
tell them from the original) are listed, with why, in docs/mutation.md; they
count as survivors here all the same. Exits 1 when any module is below.
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path

TARGET = 0.90

mutmut = Path(sys.executable).with_name("mutmut")
lines = subprocess.run(
    [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
).stdout.splitlines()
totals, killed = Counter(), Counter()
for line in lines:
    name, _, status = line.strip().rpartition(": ")
    if not name:
        continue
    # updates.changes.x_post_update__mutmut_4, updates.models.xǁLiveUpdateǁsave__mutmut_2
    module = name.split(".x")[0]
    totals[module] += 1
    # A timeout is a CPU-time limit (SIGXCPU), which a busy machine does not
    # reach sooner: the mutant loops. mutmut counts it as killed too.
    killed[module] += status in ("killed", "timeout")

below = []
for module in sorted(totals):
    share = killed[module] / totals[module]
    mark = "" if share >= TARGET else "  below target"
    print(f"{module:24} {killed[module]:4} / {totals[module]:4} killed ({share:.1%}){mark}")
    if share < TARGET:
        below.append(module)
print(
    f"{'all':24} {sum(killed.values()):4} / {sum(totals.values()):4} killed; target {TARGET:.0%} each"
)
if not totals:
    sys.exit("No mutants: did `mutmut run` fail?")
sys.exit(1 if below else 0)
