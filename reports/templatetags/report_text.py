"""Text filters for the PDF templates."""
import base64
import re

from django import template
from django.utils.html import format_html

from reports.rendering.charts import svg_size

register = template.Library()

# CJK ideographs, CJK punctuation and full-width forms.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACES_BY_CJK = re.compile(rf"(?<=[{_CJK}])[ \u00a0]+|[ \u00a0]+(?=[{_CJK}])")


@register.filter
def cjk_tight(text):
    """Drop spaces next to Chinese characters ("共 12 个" -> "共12个"), as official documents print them.

    WeasyPrint justifies a line by widening only its spaces, so in Chinese prose the one or two spaces
    around a number took all the slack of the line and opened wide gaps ("3　　　个党支部")."""
    return _SPACES_BY_CJK.sub("", str(text))


@register.filter
def chart_img(svg: str, alt: str = ""):
    """A chart's SVG as an <img> with a data: URL, at the chart's own size. WeasyPrint then reads the SVG with
    its XML parser and styles none of it through the page's cascade; inline, every one of a chart's elements
    went through its (pure Python) HTML parser and the CSS matching of the whole document — ~10 % of a
    report's PDF time. The drawing is the same: both go through WeasyPrint's SVG renderer."""
    width, height = svg_size(svg)
    return format_html('<img class="chart" src="data:image/svg+xml;base64,{}" width="{}" height="{}" alt="{}">',
                       base64.b64encode(svg.encode()).decode(), f"{width:g}", f"{height:g}", alt)
