"""Banner themes: assets/themes/NAME/theme.toml (or a user themes folder): colours, fonts, decor, layout boxes.

Theme files come from users, so every asset path must stay inside the theme's folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import UserError
from ..i18n import t
from ..suggest import unknown_name
from ..tomlfile import read_toml, validate

BUILTIN = resources.files("loa.assets") / "themes"
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Fraction = Annotated[float, Field(ge=0, le=1)]
Box = Annotated[list[Fraction], Field(min_length=4, max_length=4)]  # x, y, width, height of the safe area


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Colours(_Strict):
    background: Colour
    background_end: Colour | None = None  # a gradient towards this colour, top left to bottom right
    accent: Colour
    headline: Colour
    subline: Colour
    kicker: Colour
    footer: Colour


class Fonts(_Strict):
    headline: str = "BeVietnamPro-ExtraBold.ttf"
    subline: str = "BeVietnamPro-Medium.ttf"
    kicker: str = "BeVietnamPro-SemiBold.ttf"
    footer: str = "BeVietnamPro-SemiBold.ttf"


class Layout(_Strict):
    """Boxes as fractions of the safe area; sizes as fractions of the canvas height."""

    kicker: Box = [0.0, 0.0, 1.0, 0.09]
    text: Box = [0.0, 0.16, 1.0, 0.66]
    footer: Box = [0.0, 0.91, 1.0, 0.09]
    qr: Box = [0.80, 0.62, 0.20, 0.38]  # no longer read: layout.py places the code by its size (kept for old files)
    headline_max: Fraction = 0.16
    headline_min: Fraction = 0.035
    subline_max: Fraction = 0.065


class ThemeFile(_Strict):
    name: str
    description: str = ""
    decor: Literal["circles", "frame", "grid", "none"] = "none"
    align: Literal["left", "center"] = "left"
    uppercase_headline: bool = False
    safe_margin: Annotated[float, Field(ge=0.02, le=0.2)] = 0.06
    line_spacing: Annotated[float, Field(ge=0.3, le=0.8)] = 0.42
    background_image: str | None = None
    logo: str | None = None
    colours: Colours
    fonts: Fonts = Fonts()
    landscape: Layout = Layout()
    square: Layout = Layout(text=[0.0, 0.18, 1.0, 0.62], headline_max=0.11, subline_max=0.05)
    portrait: Layout = Layout(kicker=[0.0, 0.0, 1.0, 0.075], text=[0.0, 0.16, 1.0, 0.64], footer=[0.0, 0.925, 1.0, 0.075],
                              qr=[0.70, 0.80, 0.30, 0.12], headline_max=0.085, headline_min=0.02, subline_max=0.035)
    # the full safe width: a QR code, when asked for, takes its room from the text column (see layout.py)
    strip: Layout = Layout(kicker=[0.0, 0.0, 1.0, 0.13], text=[0.0, 0.15, 1.0, 0.72], footer=[0.0, 0.88, 1.0, 0.12],
                           headline_max=0.36, headline_min=0.06, subline_max=0.11)


@dataclass(frozen=True, eq=False)  # hashed by identity: load_theme caches one object per theme
class Theme:
    slug: str
    folder: Path
    spec: ThemeFile

    def asset(self, relative: str, *, key: str) -> Path:
        """A file of the theme; a path that leaves the theme's folder is refused."""
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise UserError(t("err.asset_outside_theme", path=relative), where=f"{self.folder / 'theme.toml'}: {key}")
        if not path.is_file():
            raise UserError(t("err.file_missing"), where=f"{self.folder / 'theme.toml'}: {key}: {relative}")
        return path

    def layout(self, orientation: str) -> Layout:
        return getattr(self.spec, orientation)


def theme_folders(user_folder: Path | None) -> list[Path]:
    folders = [user_folder] if user_folder else []
    return [*folders, Path(str(BUILTIN))]


def list_themes(user_folder: Path | None = None) -> list[Theme]:
    seen: dict[str, Theme] = {}
    for folder in theme_folders(user_folder):
        if folder.is_dir():
            for child in sorted(folder.iterdir()):
                if (child / "theme.toml").is_file() and child.name not in seen:
                    seen[child.name] = load_theme(child.name, user_folder)
    return sorted(seen.values(), key=lambda theme: theme.slug)


def theme_names(user_folder: Path | None = None) -> list[str]:
    """The themes there are, by folder name, without reading them."""
    return sorted({p.name for f in theme_folders(user_folder) if f.is_dir() for p in f.iterdir()
                   if (p / "theme.toml").is_file()})


class UnknownTheme(UserError):
    """No theme of that name; the message lists those there are and suggests the closest."""


@cache
def load_theme(slug: str, user_folder: Path | None = None) -> Theme:
    if slug and Path(slug).name == slug and not slug.startswith("."):  # a name, never a path
        for folder in theme_folders(user_folder):
            path = folder / slug / "theme.toml"
            if path.is_file():
                text, data = read_toml(path)
                return Theme(slug=slug, folder=path.parent, spec=validate(ThemeFile, data, path, text))
    raise UnknownTheme(t("err.unknown_theme", theme=slug, known=unknown_name(slug, theme_names(user_folder))))


def named_theme(slug: str, user_folder: Path | None, *, where: str | None) -> Theme:
    """``load_theme``, an unknown name told with where it was written (``--theme``, ``c.toml:16: bài số 1…``)."""
    try:
        return load_theme(slug, user_folder)
    except UnknownTheme as exc:
        raise UserError(str(exc), where=where) from None
