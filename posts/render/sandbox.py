"""The sandbox user templates run in: files only from inside the template folders, and operations of bounded size.

Jinja's sandbox stops attribute escapes but not arithmetic: ``{{ 3**(10**9) }}`` or ``{{ 'a'*10**9 }}`` hold the
CPU (and the GIL) for minutes and eat gigabytes. Every operation that can make a value grow is checked *before* it
runs, so nothing big is ever built; the rendered text is capped while it streams.
"""
from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, TemplateNotFound
from jinja2.compiler import CodeGenerator, Frame
from jinja2 import nodes
from jinja2.exceptions import TemplateError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace, generate_lorem_ipsum

from ..i18n import t

MAX_TEXT = 200_000  # characters of a rendered text, and of any string or sequence a template builds
MAX_INT_BITS = 4_096  # integers a template computes (about 1,233 digits)
MAX_TEMPLATE_BYTES = 1_000_000  # a template file
MAX_PAD = 1_000  # indent width, wordwrap's wrapstring, tojson's indent: repeated on every line
MAX_LIPSUM = 100  # paragraphs of lipsum()


class TemplateLimitError(TemplateError):
    """A template asked for more than the sandbox allows: the template's fault, reported in one line."""


class TemplateOutsideError(TemplateError):
    """A template file (or a folder on its way) resolves outside its template folder: a symlink out."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _too_big(what: str) -> TemplateLimitError:
    return TemplateLimitError(t("template_limits.too_big", what=what, limit=f"{MAX_TEXT:,}"))


def weight(value: Any, budget: int = MAX_TEXT) -> int:
    """Roughly the characters ``value`` becomes as text; stops counting once past ``budget`` (cheap on big lists)."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value.items() if isinstance(value, dict) else value
        total = 0
        for item in items:
            total += 1 + weight(item, budget - total)
            if total > budget:
                break
        return total
    return 1


def check_size(value: Any, what: str = "value") -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(t("template_limits.number_too_big", bits=f"{MAX_INT_BITS:,}"))
    if weight(value) > MAX_TEXT:
        raise _too_big(what)
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seq(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too big, from the operands alone (never computing it)."""
    if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        if right > MAX_INT_BITS or right * (abs(left).bit_length() - 1) > MAX_INT_BITS:
            raise TemplateLimitError(t("template_limits.number_too_big", bits=f"{MAX_INT_BITS:,}"))
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
                raise TemplateLimitError(t("template_limits.number_too_big", bits=f"{MAX_INT_BITS:,}"))
        elif (_is_seq(left) and _is_int(right)) or (_is_int(left) and _is_seq(right)):
            seq, times = (left, right) if _is_seq(left) else (right, left)
            if times > 0 and weight(seq) * times > MAX_TEXT:
                raise _too_big("*")
    elif operator == "+" and _is_seq(left) and _is_seq(right):
        if weight(left) + weight(right) > MAX_TEXT:
            raise _too_big("+")
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left, right if isinstance(right, tuple) else (right,))


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*?:((?:[^{}]|\{[^{}]*\})*)\}")


def _check_widths(widths: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Field widths and precisions of a format string: a ``*`` or nested field takes them from the arguments."""
    for width in widths:
        if width.isdigit() and int(width) > MAX_TEXT:
            raise _too_big("format")
    if any(not w.isdigit() for w in widths if w):
        if any(_is_int(a) and abs(a) > MAX_TEXT for a in (*args, *kwargs.values())):
            raise _too_big("format")


def _check_percent_format(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> None:
    _check_widths([w for m in _PERCENT.finditer(fmt) for w in m.groups() if w], args, kwargs or {})


def _check_brace_format(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    widths = []
    for spec in _BRACE_SPEC.findall(fmt):
        widths += re.findall(r"\d+", re.sub(r"\{[^{}]*\}", "", spec))
        widths += ["*"] * spec.count("{")
    _check_widths(widths, args, kwargs)


def _int_at_most(value: Any, limit: int, what: str) -> None:
    if _is_int(value) and value > limit:
        raise TemplateLimitError(t("template_limits.argument_too_big", what=what, limit=f"{limit:,}"))
    if isinstance(value, str) and len(value) > limit:
        raise TemplateLimitError(t("template_limits.argument_too_big", what=what, limit=f"{limit:,}"))


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = len(text) + 1 if old == "" else text.count(old)
        if _is_int(count) and count >= 0:
            times = min(times, count)
        if len(text) + times * len(new) > MAX_TEXT:
            raise _too_big("replace")


def _check_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The filters whose arguments make their result grow: checked before they run."""
    if name == "center":
        _int_at_most(_arg(args, kwargs, 0, "width"), MAX_TEXT, "center")
    elif name == "indent":
        _int_at_most(_arg(args, kwargs, 0, "width"), MAX_PAD, "indent")
    elif name == "wordwrap":
        _int_at_most(_arg(args, kwargs, 2, "wrapstring"), MAX_PAD, "wordwrap")
    elif name in ("batch", "slice"):
        _int_at_most(_arg(args, kwargs, 0, "linecount" if name == "batch" else "slices"), MAX_TEXT, name)
    elif name == "tojson":
        _int_at_most(_arg(args, kwargs, 0, "indent"), MAX_PAD, "tojson")
    elif name == "format" and isinstance(value, str):
        _check_percent_format(value, args, kwargs)
    elif name == "replace":
        _check_replace(value, _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new"),
                       _arg(args, kwargs, 2, "count"))


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    passes = getattr(function, "jinja_pass_arg", None)  # context/eval-context/environment come first

    @wraps(function)  # keeps jinja_pass_arg, so Jinja still passes what the filter needs
    def bounded(*args: Any, **kwargs: Any) -> Any:
        value, rest = (args[1], args[2:]) if passes is not None else (args[0], args[1:])
        _check_filter(name, value, rest, kwargs)
        return check_size(function(*args, **kwargs), f"|{name}")

    return bounded


_PADDING = {"ljust", "rjust", "center", "zfill", "expandtabs"}


class BoundedNamespace(Namespace):
    """``namespace()``, whose attributes a loop can grow: each assignment is checked."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, check_size(value, f"namespace.{name}"))


def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 - Jinja's
    _int_at_most(n, MAX_LIPSUM, "lipsum")
    _int_at_most(max, MAX_PAD, "lipsum")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


class _BoundedCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b ~ c`` through the environment, which weighs the parts before joining them."""
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {join})")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox with bounded operators, calls, filters and concatenation."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"**", "*", "+", "%", "//", "/", "-"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=lambda value: check_size(value, "{{ }}"), **options)
        self.globals.update(namespace=BoundedNamespace, lipsum=bounded_lipsum)

    def wrap_filters(self) -> None:
        """Called once the filters are all registered (loa's own included)."""
        self.filters = {name: _bounded_filter(name, function) for name, function in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return check_size(super().call_binop(context, operator, left, right), operator)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        for value in (*args, *kwargs.values()):
            check_size(value, "argument")
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
        if isinstance(owner, str):
            if name in _PADDING:
                for value in (*args, *kwargs.values()):
                    _int_at_most(value, MAX_TEXT, name)
            elif name in ("format", "format_map"):
                _check_brace_format(owner, args, kwargs)
            elif name == "replace":
                _check_replace(owner, *args[:3])
        return check_size(super().call(__context, __obj, *args, **kwargs), "()")

    def bounded_join(self, parts: tuple[Any, ...], join: Callable[[Any], str]) -> str:
        total = 0
        for part in parts:
            total += weight(part, MAX_TEXT - total)
            if total > MAX_TEXT:
                raise _too_big("~")
        return join(parts)


class RootedLoader(FileSystemLoader):
    """A template folder whose files must resolve inside it: a symlink out of it (to /etc/passwd, or a linked
    folder reached by ``{% include %}``) is refused, as theme assets are; so are special files and huge ones."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.root = Path(os.path.realpath(folder))

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = Path(self.searchpath[0], *split_template_path(template))
        try:
            info = path.lstat()
        except OSError:
            raise TemplateNotFound(template) from None
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.root):
            raise TemplateOutsideError(template)
        info = real.stat() if stat.S_ISLNK(info.st_mode) else info
        if not stat.S_ISREG(info.st_mode):
            raise TemplateLimitError(t("template_limits.not_a_file", template=template))
        if info.st_size > MAX_TEMPLATE_BYTES:
            raise TemplateLimitError(t("template_limits.template_too_big", template=template,
                                       limit=f"{MAX_TEMPLATE_BYTES:,}"))
        with open(real, "rb") as handle:
            source = handle.read(MAX_TEMPLATE_BYTES + 1).decode(self.encoding)
        mtime = info.st_mtime
        return source, str(real), lambda: mtime == os.path.getmtime(real)


def stream_bounded(chunks: Iterator[str]) -> str:
    """The rendered text, stopped as soon as it passes ``MAX_TEXT`` (a loop printing forever ends here)."""
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_TEXT:
            raise TemplateLimitError(t("template_limits.output_too_big", limit=f"{MAX_TEXT:,}"))
        parts.append(chunk)
    return "".join(parts)

