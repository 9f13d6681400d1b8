"""No page renders raw HTML: user text must go through rx.text & co., which React escapes."""

import re

from coach_app.settings import REPO_ROOT

RAW_HTML = re.compile(r"\brx\.html\(|dangerously_set_inner_html|dangerouslySetInnerHTML|\.innerHTML\s*=")


def test_no_raw_html_rendering_in_the_app_or_its_js_bridge():
    files = [*(REPO_ROOT / "coach_app").rglob("*.py"), *(REPO_ROOT / "assets").rglob("*.js*")]
    files = [p for p in files if p.name != "textlimits.py"]  # its docstring names the forbidden calls
    assert len(files) > 10
    offenders = [
        f"{p.relative_to(REPO_ROOT)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
        if RAW_HTML.search(line)
    ]
    assert offenders == []
