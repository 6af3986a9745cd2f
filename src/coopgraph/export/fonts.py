"""The font for pictures: one that draws Vietnamese diacritics and Chinese characters.

Labels mix Vietnamese (Tổng cục Tiêu chuẩn Đo lường Chất lượng), Chinese (国家市场监督管理总局)
and English. matplotlib's default DejaVu Sans has no Chinese, and most CJK fonts lack the
stacked Vietnamese diacritics, but Noto Sans CJK (Debian: ``fonts-noto-cjk``) has both. It is
required rather than bundled (it is 20 MB); a missing font is a clear error, not boxes in a
report.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from coopgraph.errors import CoopgraphError

# Simplified Chinese first: the Chinese agencies in the data write their names in it.
FONT_FAMILY = "Noto Sans CJK SC"
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Noto Sans CJK KR")
INSTALL_HINT = "install it with: apt-get install fonts-noto-cjk (Debian/Ubuntu), then rerun"


class FontMissing(CoopgraphError):
    """No font that covers Vietnamese and Chinese is installed; pictures would show boxes."""

    exit_code = 2


@lru_cache(maxsize=1)
def find_font() -> tuple[str, Path]:
    """(family, file) of the first Noto Sans CJK face matplotlib knows about."""
    from matplotlib import font_manager

    faces = {(f.name, f.fname, f.weight) for f in font_manager.fontManager.ttflist}
    for family in FALLBACK_FAMILIES:
        regular = sorted(f for f in faces if f[0] == family and f[2] in (400, "normal", "regular"))
        anything = sorted(f for f in faces if f[0] == family)
        for name, fname, _ in regular or anything:
            return name, Path(fname)
    raise FontMissing(f"no font with Vietnamese and Chinese glyphs found (looked for {FONT_FAMILY}); {INSTALL_HINT}")


@lru_cache(maxsize=4)
def font_cmap(path: Path, family: str) -> frozenset[int]:
    """The code points the font file's face for ``family`` can draw (faces of a .ttc differ)."""
    from fontTools.ttLib import TTCollection, TTFont

    collection = path.suffix.lower() in (".ttc", ".otc")
    fonts = TTCollection(str(path)).fonts if collection else [TTFont(str(path))]
    for font in fonts:
        if font["name"].getDebugName(1) == family:
            return frozenset(font.getBestCmap())
    return frozenset(fonts[0].getBestCmap())


def missing_glyphs(texts: list[str]) -> set[str]:
    """Characters of ``texts`` the picture font cannot draw (whitespace and controls ignored)."""
    family, path = find_font()
    cmap = font_cmap(path, family) | _fallback_cmap()
    return {c for t in texts for c in t if not c.isspace() and ord(c) >= 32 and ord(c) not in cmap}


@lru_cache(maxsize=1)
def _fallback_cmap() -> frozenset[int]:
    """What DejaVu Sans, matplotlib's own font and the per-glyph fallback configure_matplotlib
    names, draws: Latin letters the CJK face lacks (Czech š, ř) come from it."""
    import matplotlib
    from fontTools.ttLib import TTFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return frozenset(TTFont(path).getBestCmap()) if path.is_file() else frozenset()


def configure_matplotlib() -> str:
    """Point matplotlib at the font (with DejaVu Sans as per-glyph fallback); returns the family."""
    import matplotlib

    family, _ = find_font()
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    # text stays <text> in SVG (searchable, copyable, editable in Inkscape), with the font named:
    # a viewer without Noto Sans CJK substitutes its own sans-serif
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType subsets embedded: copyable text in PDF
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "coopgraph"  # stable element ids: same view, same SVG
    return family
