"""axe-core's checks on a page in Chromium, for any browser test:
`assert_no_axe_violations(page)` checks the page as it stands, in light and
dark and at phone and desktop widths, and fails with what a developer needs
to fix each violation (issue 22: "clean for axe-core").

axe-core comes inside the axe-playwright-python package (a dev
dependency), so nothing is fetched when the tests run.
"""

import pytest
from axe_playwright_python.base import AXE_SCRIPT

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Each colour scheme at each width: the dark palette and the phone layout
# are separate CSS, each with its own chances of a contrast or overlap fault.
LOOKS = [
    ("light", PHONE),
    ("dark", PHONE),
    ("light", DESKTOP),
    ("dark", DESKTOP),
]

# WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (landmarks,
# one main, headings in order, unique names), which these pages meet too.
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

RUN = """options => axe.run(document, options).then(results => results.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({ target: n.target.join(" "), summary: n.failureSummary })),
})))"""


# After a change of colour scheme, colours that have a CSS transition (the
# admin's links and buttons) pass through values the reader never rests on:
# axe judges the colours once those transitions have ended.
SETTLE = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  await Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition)
    .map(a => a.finished.catch(() => null)));
}"""


def axe_violations(page, *, disable: tuple[str, ...] = ()) -> list[dict]:
    """axe's violations on the page as it is now (its colour scheme and size)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {
        "runOnly": {"type": "tag", "values": RULE_TAGS},
        "rules": {rule: {"enabled": False} for rule in disable},
        "resultTypes": ["violations"],
    }
    return page.evaluate(RUN, options)


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"  {violation['id']} ({violation['impact']}): {violation['help']}"
            f"\n    {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    - {node['target']}\n        {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page, *, looks=LOOKS, disable: tuple[str, ...] = ()) -> None:
    """No axe violation in any of `looks` (colour scheme, viewport); the page
    is left in the first look's size and the light scheme.

    `disable` names rules to skip, for a known fault with its own issue;
    say why next to the call.
    """
    found = []
    for scheme, viewport in looks:
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size(viewport)
        page.evaluate(SETTLE)
        violations = axe_violations(page, disable=disable)
        if violations:
            found.append(f"{scheme}, {viewport['width']} px wide:\n{describe(violations)}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(looks[0][1])
    if found:
        pytest.fail(f"axe-core found violations on {page.url}:\n" + "\n".join(found), pytrace=False)
