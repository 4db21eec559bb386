"""Build the CJK subset fonts shipped in reports/fonts/ for PDF rendering.

What it does
    Cuts the Simplified Chinese face (index 2, "Noto Sans CJK SC") out of Debian's fonts-noto-cjk
    collections and keeps only the characters reports need:

    * all of GB2312 (6,763 hanzi + 682 symbols, i.e. every character the GB2312 codec can encode),
    * a short list of hanzi outside GB2312 that are common in personal and place names,
    * ASCII + Latin-1, General Punctuation, CJK Symbols and Punctuation, Halfwidth/Fullwidth Forms,
    * number forms (Ⅰ Ⅱ Ⅲ), circled / parenthesized numbers (① ⑴ ⒈ ㈠ ㊀), arrows, a few math
      operators and geometric shapes (● ○ ■ □ ▲ ★ ☆ √ × ÷ ≤ ≥ ℃ ‰) used in reports.

    The family is renamed to "Noto Sans SC Subset" (PostScript NotoSansSCSubset-Regular/-Bold) so that the
    PDF can prove it embeds the shipped files and never silently falls back to a system font, and so that it
    never collides with an installed "Noto Sans CJK SC" in fontconfig. The SIL OFL 1.1 permits modified
    versions under a name that avoids the Reserved Font Name ("Source"); reports/fonts/OFL.txt travels along.

    Hinting is dropped (WeasyPrint drops it when embedding anyway) and CFF subroutines are kept, which keeps
    both files together well under 6 MB. Output is OpenType/CFF (.otf): WeasyPrint reads it directly
    (no WOFF2 decompression per FontConfiguration) and HarfBuzz subsets it per document.

How to run
    apt-get install fonts-noto-cjk        # provides /usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc
    /work/main/.venv/bin/python scripts/build_cjk_font.py [--source-dir DIR] [--out-dir reports/fonts]

    Re-run after changing the character set below; commit the two .otf files it writes.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SC_FACE_INDEX = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in NotoSansCJK-*.ttc
FAMILY = "Noto Sans SC Subset"
POSTSCRIPT_FAMILY = "NotoSansSCSubset"
WEIGHTS = {"Regular": "NotoSansCJK-Regular.ttc", "Bold": "NotoSansCJK-Bold.ttc"}
DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
DEFAULT_OUT_DIR = Path(__file__).resolve().parent.parent / "reports" / "fonts"

UNICODE_RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation (— … ‰ ※ ‘’ “”)
    (0x2100, 0x214F),  # Letterlike Symbols (℃ № ™)
    (0x2150, 0x218F),  # Number Forms (Ⅰ-Ⅻ, ⅰ-ⅹ)
    (0x2190, 0x21FF),  # Arrows
    (0x2212, 0x2212), (0x2215, 0x2215), (0x221A, 0x221A), (0x221E, 0x221E),  # − ∕ √ ∞
    (0x2236, 0x2236), (0x2248, 0x2248), (0x2260, 0x2267),  # ∶ ≈ ≠ ≤ ≥ ≦ ≧
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (① ⑴ ⒈ Ⓐ)
    (0x2500, 0x257F),  # Box Drawing
    (0x25A0, 0x25FF),  # Geometric Shapes (■ □ ▲ △ ● ○ ◆ ◇)
    (0x2605, 0x2606),  # ★ ☆
    (0x2610, 0x2612),  # ☐ ☑ ☒
    (0x2713, 0x2714),  # ✓ ✔
    (0x3000, 0x303F),  # CJK Symbols and Punctuation (、。〈〉《》「」『』【】〇)
    (0x3220, 0x3247),  # Parenthesized ideographs (㈠-㈩)
    (0x3280, 0x32B0),  # Circled ideographs (㊀-㊉, ㊣)
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]

# Hanzi outside GB2312 that turn up often in names of people, places and units.
EXTRA_HANZI = (
    "喆堃珺玥昇燊淏琍瑄珈琦珩瑜瑾璟璐锃镕钰铖炜烨焜煜晟晔昊旻暐曌睿颀颢骞骐骥"
    "彧翀翊翎婧婕媛嫣妍姝姗娅娓婵琬琰琳琮璇璠瓈韡韬韫铠锴镛钧鑫垚淼犇焱赟贇"
    "濛溍泓滢潆澍湉沄沣汭洺浛涴渟湲溦漪澂瀚灏炅炘炟焓熠燚璨瓒甯祎禕祺禤禛秾"
    "筠箐篪粲绮缙缦缇羿翚翮舸芃芮苡茈茜荃莛菁萁蒨蓁蔚蕤薏薷蘅蘩衎觐誉谞谧"
    "赪赭跃轩辂迺邈郗郜鄞钊钤钧铎铭锟锷镝镠闳阚陟隽雯霁霈霏靓靖韵頔颉飏馥"
    "驰骅骁鸾鹍鹏麒黉龑龚昳晗晞晖暄暾曦杲枞栎栩桉梓棣楠榕槿樾檀歆殷毓沅"
)


def gb2312_characters() -> set[int]:
    """Every character the GB2312 codec can encode (rows 01-09 symbols, 16-87 hanzi)."""
    codepoints = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                char = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            codepoints.add(ord(char))
    return codepoints


def wanted_codepoints() -> set[int]:
    codepoints = gb2312_characters()
    for start, end in UNICODE_RANGES:
        codepoints.update(range(start, end + 1))
    codepoints.update(ord(c) for c in EXTRA_HANZI)
    return codepoints


def rename(font: TTFont, weight: str) -> None:
    """Give the subset its own family so fontconfig and the PDF never confuse it with the system font."""
    name_table = font["name"]
    full_name = f"{FAMILY} {weight}" if weight != "Regular" else FAMILY
    postscript_name = f"{POSTSCRIPT_FAMILY}-{weight}"
    new_names = {
        1: FAMILY if weight in ("Regular", "Bold") else f"{FAMILY} {weight}",
        2: weight,
        3: f"{postscript_name};subset of Noto Sans CJK SC",
        4: full_name,
        6: postscript_name,
        16: FAMILY,
        17: weight,
    }
    keep = []
    for record in name_table.names:
        if record.nameID in new_names:
            continue
        keep.append(record)
    name_table.names = keep
    for name_id, value in new_names.items():
        name_table.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
        name_table.setName(value, name_id, 1, 0, 0)  # Mac Roman, English
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript_name]
        top = cff.topDictIndex[0]
        top.FullName = full_name
        top.FamilyName = FAMILY
        if hasattr(top, "FontName"):
            top.FontName = postscript_name


def build_one(source: Path, out: Path, weight: str, codepoints: set[int]) -> int:
    options = subset.Options()
    options.font_number = SC_FACE_INDEX
    options.hinting = False
    options.desubroutinize = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.layout_features = [*subset.Options().layout_features, "palt", "vpal", "halt", "vhal", "fwid", "hwid"]
    options.drop_tables += ["DSIG"]
    font = subset.load_font(str(source), options, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    rename(font, weight)
    out.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(out), options)
    return len(font.getBestCmap())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    codepoints = wanted_codepoints()
    total = 0
    for weight, filename in WEIGHTS.items():
        source = args.source_dir / filename
        if not source.exists():
            print(f"missing {source}: install Debian package fonts-noto-cjk", file=sys.stderr)
            return 1
        out = args.out_dir / f"NotoSansSC-Subset-{weight}.otf"
        mapped = build_one(source, out, weight, codepoints)
        size = out.stat().st_size
        total += size
        print(f"{out}: {mapped} characters, {size / 1024 / 1024:.2f} MB")
    print(f"total {total / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
