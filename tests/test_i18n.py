"""Vietnamese by default, English on request; every string lives in one file per language."""
from __future__ import annotations

import re
from pathlib import Path

from loa.posts.i18n import available_languages, catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_every_language_has_the_same_keys():
    languages = available_languages()
    assert {"vi", "en"} <= set(languages)
    for language in languages:
        assert set(catalogue(language)) == set(catalogue("vi")), language


def test_every_key_the_code_uses_exists():
    """Literal keys in t("...") and help="..." calls; f-string keys are checked through their known values."""
    keys = set(catalogue("vi"))
    used = set()
    for path in [*ROOT.glob("posts/**/*.py"), *ROOT.glob("scheduler/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9]+)"', text))
        used |= set(re.findall(r'help="(help\.[a-z_]+)"', text))
    assert used, "the scan found nothing: the pattern is wrong"
    assert used - keys == set()
    from loa.posts.models import DELIVERY_STATUSES, POST_STATUSES

    assert {f"status.{s}" for s in POST_STATUSES + DELIVERY_STATUSES} <= keys


def test_help_is_vietnamese_by_default_and_english_on_request(project):
    vi = project.run("queue", "--help", env={"LOA_LANG": ""}).stdout
    assert "Cách dùng:" in vi and "Lịch đăng theo từng ngày" in vi and "Tùy chọn" in vi
    en = project.run("--lang", "en", "queue", "--help", env={"LOA_LANG": ""}).stdout
    assert "Usage:" in en and "The schedule grouped by day" in en
    assert "Usage:" in project.run("queue", "--help", env={"LOA_LANG": "en"}).stdout
    # --lang wins over the environment, wherever it stands before the command
    assert "Cách dùng:" in project.run("--lang", "vi", "--help", env={"LOA_LANG": "en"}).stdout


def test_errors_in_vietnamese_by_default(project):
    result = project.run("post", "show", "999", env={"LOA_LANG": ""})
    assert result.exit_code == 2
    assert result.stderr.strip() == "lỗi: ID: không có bài mang số 999"


def test_unknown_language_is_refused(project):
    result = project.run("--lang", "fr", "queue")
    assert result.exit_code == 2 and "--lang" in result.stderr


def test_unknown_loa_lang_falls_back_to_vietnamese(project):
    assert "Cách dùng:" in project.run("--help", env={"LOA_LANG": "xx"}).stdout



def _dynamic_values() -> dict[str, set[str]]:
    """The values an f-string key can take when the scan cannot read them from a literal loop: taken from the
    code's own constants, so a new status or metric is checked too."""
    from loa.posts.models import DELIVERY_STATUSES, POST_STATUSES
    from loa.posts.tomlfile import _EXPECTED, _TYPE_NAMES
    from loa.scheduler.cli.metrics import COLUMNS as METRIC_COLUMNS
    from loa.posts.accounts import ROLES
    from loa.posts.wording import FIELD_LABELS
    from loa.scheduler.report.figures import METRICS
    from loa.scheduler.events import LEVELS, OUTCOME_EVENTS
    from loa.scheduler.health import COUNTED
    from loa.scheduler.status import HINT_STATUSES

    return {
        "metrics.col_": set(METRIC_COLUMNS),
        "report.metric_": {*METRICS, "interactions"},
        # post and delivery statuses, and what a send or `loa status` can say besides
        "status.": {*POST_STATUSES, *DELIVERY_STATUSES, "waiting", "not_recorded", "paused", "stopped", "stuck"},
        "outcome.": {"released", "lost"},
        # the daemon's log and `loa status`'s hints (scheduler/events.py, scheduler/status.py)
        "daemonlog.": set(OUTCOME_EVENTS),
        "daemonlog.level_": set(LEVELS),
        "attention.hint_": set(HINT_STATUSES),
        "monitor.reason_": set(COUNTED),  # `loa status --check`'s counted reasons (scheduler/health.py)
        "err.post_": {"cancelled", "done"},  # approve_posts: the statuses it refuses
        "type.": {*_EXPECTED.values(), *_TYPE_NAMES.values()},
        "val.": {"greater_than_equal", "greater_than", "less_than_equal", "less_than"},
        "weekday.": {str(day) for day in range(7)},
        "rehearsal.outcome_": {"rehearsed", "error", "waiting"},  # scheduler/rehearsal.py: Rehearsed.outcome
        "campaign_life.": {"archived", "already_archived", "unarchived", "not_archived"},  # campaign archive
        # a re-import's plan (scheduler/plan_view.py)
        "merge.section_": {"conflict", "published", "add", "change", "cancel", "keep"},
        "merge.field_": {"title", "body", "template", "banner", "images", "channels", "publish_at", "status"},
        "merge.conflict_": {"removed", "cancelled", "unknown_base"},
        "merge.resolved_": {"file", "queue"},
        "merge.campaign_field_": {"name", "theme", "timezone", "plan_ref", "channels", "hashtags", "banner_theme",
                                  "after"},
        # corrections and take-downs: the delivery actions besides "publish"
        "fix.cannot_": {"update", "delete"},
        "fix.sent_": {"update", "delete"},
        "fix.done_": {"update", "delete"},
        "fix.action_": {"update", "delete"},
        "web.role_": set(ROLES),
        "field.": set(FIELD_LABELS),  # posts/wording.py: the names of keys in messages  # the workspace's top bar: the signed-in account's role
    }


def _literal_strings(node, scope: dict) -> list[str] | None:
    """The strings a loop runs over: a literal tuple/list (of strings, or of tuples whose first item is one),
    or a module constant holding one."""
    import ast

    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        values = []
        for item in node.elts:
            if isinstance(item, ast.Tuple) and item.elts:
                item = item.elts[0]
            if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                return None
            values.append(item.value)
        return values
    if isinstance(node, ast.Name) and isinstance(scope.get(node.id), (tuple, list, dict)):
        return [v[0] if isinstance(v, tuple) else v for v in scope[node.id] if isinstance(v, (str, tuple))]
    return None


def _keys_used_by_the_code() -> tuple[set[str], dict[str, set[str]]]:
    """Every key the code passes to t(): literal keys, and f-string keys (t(f"col.{key}")) resolved through the
    loop or comprehension that names their variable; f-strings it cannot resolve are returned by prefix.
    Found with ast, not a regex: a key split over lines or given as help="..." is seen too."""
    import ast
    import importlib

    literal: set[str] = set()
    unresolved: dict[str, set[str]] = {}
    key_shape = re.compile(r"[a-z_]+\.[a-z_0-9.]+")
    for path in [*ROOT.glob("posts/**/*.py"), *ROOT.glob("scheduler/**/*.py")]:
        if "migrations" in path.parts:
            continue  # no user-facing text, and not importable outside Alembic
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        scope = vars(importlib.import_module(module))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

        def loop_values(node: ast.AST, variable: str) -> list[str] | None:
            """The literal values of the nearest enclosing loop or comprehension over ``variable``."""
            while node in parents:
                node = parents[node]
                loops = [node] if isinstance(node, ast.For) else getattr(node, "generators", [])
                for loop in loops:
                    target = loop.target.elts[0] if isinstance(loop.target, ast.Tuple) else loop.target
                    if isinstance(target, ast.Name) and target.id == variable:
                        return _literal_strings(loop.iter, scope)
            return None

        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            arguments = [node.args[0]] if name in ("t", "tr") and node.args else []
            arguments += [kw.value for kw in node.keywords if kw.arg == "help"]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    if key_shape.fullmatch(argument.value):
                        literal.add(argument.value)
                elif isinstance(argument, ast.JoinedStr) and len(argument.values) == 2:
                    prefix, value = argument.values
                    assert isinstance(prefix, ast.Constant), ast.unparse(argument)
                    variable = value.value.id if isinstance(value.value, ast.Name) else None
                    values = loop_values(node, variable) if variable else None
                    if values is not None:
                        literal |= {prefix.value + v for v in values}
                    else:
                        unresolved.setdefault(prefix.value, set()).add(f"{path.name}: {ast.unparse(argument)}")
                elif isinstance(argument, ast.JoinedStr):
                    raise AssertionError(f"{path}: a key the scan cannot read: {ast.unparse(argument)}")
    return literal, unresolved


def test_every_key_the_code_uses_exists_in_every_locale():
    literal, unresolved = _keys_used_by_the_code()
    assert len(literal) > 300, "the scan found too little: it is broken"
    assert {"col.todo", "logcmd.col_title", "report.metric_clicks", "metrics.col_reach"} <= literal
    dynamic = _dynamic_values()
    assert set(unresolved) <= set(dynamic), f"f-string keys with unknown values, list them in _dynamic_values: " \
                                           f"{ {p: unresolved[p] for p in set(unresolved) - set(dynamic)} }"
    used = literal | {prefix + value for prefix in unresolved for value in dynamic[prefix]}
    for language in available_languages():
        assert sorted(used - set(catalogue(language))) == [], language


TEMPLATE_CALL = re.compile(r"""\bt\(\s*(?:(["'])([a-z_]+\.[a-z_0-9]*)\1\s*(\)|,|~|\+)|[^"'\s])""")


def _keys_used_by_the_templates() -> tuple[set[str], dict[str, set[str]]]:
    """t("table.key") in assets/web/templates/**: literal keys, and prefixes joined to a value (t("status." ~ s))."""
    literal: set[str] = set()
    prefixes: dict[str, set[str]] = {}
    for path in (ROOT / "assets" / "web" / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_CALL.finditer(text):
            quote, key, after = match.groups()
            assert quote, f"{path.name}: a key the scan cannot read: {text[match.start():match.start() + 40]!r}"
            if after in (")", ","):
                literal.add(key)
            else:
                prefixes.setdefault(key, set()).add(path.name)
    return literal, prefixes


def test_every_key_the_web_templates_use_exists_in_every_locale():
    literal, prefixes = _keys_used_by_the_templates()
    assert {"web.attention_title", "web.logout", "web.login_submit"} <= literal, "the template scan is broken"
    dynamic = _dynamic_values()
    assert set(prefixes) <= set(dynamic), f"template keys with unknown values: {set(prefixes) - set(dynamic)}"
    used = literal | {prefix + value for prefix in prefixes for value in dynamic[prefix]}
    from loa.scheduler.web.errors import TITLES
    from loa.scheduler.web.layout import ACTIONS

    used |= {*TITLES.values(), *ACTIONS.values(), "web.error_other"}
    for language in available_languages():
        assert sorted(used - set(catalogue(language))) == [], language


# Letters only Vietnamese uses: an English message holding one was written in the wrong file.
VIETNAMESE_LETTER = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
# Quoted or `code` text is an example of what to type ("Nguyễn Văn A", `--status nháp`): it may be Vietnamese.
QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"|“[^”]*”|'[^'\s][^']*'")

# Keys whose Vietnamese value is the English one on purpose: names, formats and commands, the same in any language.
SAME_IN_BOTH = {
    "col.banner": "Banner: the loanword Vietnamese offices write",
    "approval.hint": "a command to type: loa post approve {id}",
    "field.banner": "the loanword Vietnamese offices write (as col.banner)",
    # file formats go by their product names in any language (`--format word`, `--format excel`)
    "vocab.format_docx": "product name",
    "vocab.format_xlsx": "product name",
    "vocab.format_csv": "format name",
    "vocab.format_jsonl": "format name",
    "vocab.also_report_format_html": "another word for html: the same in both",
}


def _letters_outside_placeholders(value: str) -> str:
    return re.sub(r"[^\w]|\d|_", "", re.sub(r"\{[^{}]*\}", "", value))


def test_english_catalogue_holds_no_vietnamese():
    english = catalogue("en")
    wrong = {key: value for key, value in english.items() if VIETNAMESE_LETTER.search(QUOTED.sub("", value))}
    assert wrong == {}, "Vietnamese in en.toml (quote it if it is an example to type)"


def test_vietnamese_catalogue_translates_every_message():
    """A value left as in en.toml is a message not translated, unless it is a name or a command (SAME_IN_BOTH) or
    a pure layout of placeholders and punctuation ("{place}, {date}")."""
    vietnamese, english = catalogue("vi"), catalogue("en")
    untranslated = {key: value for key, value in vietnamese.items()
                    if value == english[key] and key not in SAME_IN_BOTH and _letters_outside_placeholders(value)}
    assert untranslated == {}
    assert set(SAME_IN_BOTH) <= set(vietnamese), "SAME_IN_BOTH names a key that no longer exists"
    changed = {key for key in SAME_IN_BOTH if vietnamese[key] != english[key]}
    assert changed == set(), "translated since: remove them from SAME_IN_BOTH"
