"""Text filters for the PDF templates."""
import re

from django import template

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
