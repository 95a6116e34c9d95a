"""Summarise `mutmut run`: killed mutants per module, and whether the target holds.

Run by `make mutation` after mutmut; reads `mutmut results --all true`
("<module>.<function>__mutmut_<n>: <status>" a line). Exits 1 below the
target (issue 13: at least 90 % killed).
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
    module = name.split(".x")[0]  # updates.changes.x_post_update__mutmut_4 -> updates.changes
    totals[module] += 1
    killed[module] += status == "killed"

for module in sorted(totals):
    print(
        f"{module:24} {killed[module]:4} / {totals[module]:4} killed ({killed[module] / totals[module]:.0%})"
    )
score = sum(killed.values()) / max(sum(totals.values()), 1)
print(
    f"{'all':24} {sum(killed.values()):4} / {sum(totals.values()):4} killed ({score:.1%}); target {TARGET:.0%}"
)
sys.exit(0 if score >= TARGET else 1)
