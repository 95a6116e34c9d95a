"""Summarise `mutmut run`: killed mutants per module, and whether the target holds.

Run by `make mutation` after mutmut; reads `mutmut results --all true`
("<module>.<function>__mutmut_<n>: <status>" a line). The target (issue 24)
is at least 90 % per module on its own, so that a well-tested module cannot
hide a poorly tested one, counted over the mutants that are not equivalent:
killed / (total - listed equivalents). Equivalent survivors (no test can tell
them from the original through anything the project promises) are listed,
each with why, in docs/mutation.md, as "- `<mutant>`: `<its mutated line>`"
(the removed line for a mutant that only removes one); the line is checked
against `mutmut show`, because mutants are numbered by position and a
changed function renumbers them. Both shares are printed.
Exits 1 when a module is below the target or the list no longer matches.
"""

import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TARGET = 0.90
LIST = Path(__file__).resolve().parent.parent / "docs" / "mutation.md"
SECTION = "## Surviving mutants judged equivalent"
ITEM = re.compile(r"^- `(?P<name>[^`]+__mutmut_\d+)`: `(?P<line>[^`]+)`\s*$")
# A timeout is a CPU-time limit (SIGXCPU), which a busy machine does not
# reach sooner: the mutant loops. mutmut counts it as killed too.
KILLED = ("killed", "timeout")

mutmut = Path(sys.executable).with_name("mutmut")


def listed_equivalents(text: str) -> dict[str, str]:
    """Mutant name -> the text its mutated line must hold, from SECTION."""
    _, found, rest = text.partition(SECTION)
    if not found:
        sys.exit(f"{LIST}: no section {SECTION!r}")
    section = rest.split("\n## ", 1)[0]
    return {m["name"]: m["line"] for m in map(ITEM.match, section.splitlines()) if m}


def mutated_lines(name: str) -> list[str]:
    """The lines the mutant wrote; the lines it removed if it only removed."""
    shown = subprocess.run([str(mutmut), "show", name], capture_output=True, text=True)
    diff = shown.stdout.splitlines()
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    return added or [
        line[1:] for line in diff if line.startswith("-") and not line.startswith("---")
    ]


def main() -> int:
    lines = subprocess.run(
        [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    status_of = {}
    for line in lines:
        name, _, status = line.strip().rpartition(": ")
        if name:
            status_of[name] = status
    if not status_of:
        sys.exit("No mutants: did `mutmut run` fail?")

    problems = []
    equivalent = set()
    listed = listed_equivalents(LIST.read_text())
    # `mutmut show` takes half a second; a hundred of them, side by side.
    with ThreadPoolExecutor() as pool:
        shown = dict(zip(listed, pool.map(mutated_lines, listed), strict=True))
    for name, expected in listed.items():
        status = status_of.get(name)
        if status is None:
            problems.append(f"{name}: listed as equivalent, but no such mutant")
        elif status in KILLED:
            problems.append(f"{name}: listed as equivalent, but a test kills it")
        elif not any(expected in line for line in shown[name]):
            problems.append(f"{name}: listed as equivalent for `{expected}`, which it no longer is")
        elif status != "not checked":
            equivalent.add(name)

    totals, killed, equivalents, unchecked = Counter(), Counter(), Counter(), Counter()
    for name, status in status_of.items():
        # updates.changes.x_post_update__mutmut_4, updates.models.xǁLiveUpdateǁsave__mutmut_2
        module = name.split(".x")[0]
        totals[module] += 1
        killed[module] += status in KILLED
        equivalents[module] += name in equivalent
        unchecked[module] += status == "not checked"

    below = []
    print(f"{'module':24} {'killed / total':>22} {'killed / not equivalent':>28}")
    for module in sorted(totals):
        share = killed[module] / totals[module]
        counted = totals[module] - equivalents[module]
        target_share = killed[module] / counted if counted else 1.0
        notes = []
        if unchecked[module]:
            notes.append(f"{unchecked[module]} not checked")
        if target_share < TARGET:
            notes.append("below target")
            below.append(module)
        print(
            f"{module:24} {killed[module]:5} / {totals[module]:4} ({share:6.1%})"
            f" {killed[module]:5} / {counted:4} ({target_share:6.1%})"
            f"  {', '.join(notes)}".rstrip()
        )
    print(
        f"{'all':24} {sum(killed.values()):5} / {sum(totals.values()):4} killed,"
        f" {sum(equivalents.values())} equivalent; target {TARGET:.0%} of the"
        " not-equivalent mutants, each module"
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if below or problems else 0


if __name__ == "__main__":
    sys.exit(main())
