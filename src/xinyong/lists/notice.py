"""The pre-notification (列入前告知书) as a PDF: reasons, basis, rights, the objection window.

Font choice (ARCHITECTURE: PDF with Chinese text): ReportLab cannot embed Debian's Noto CJK (CFF
outlines). We embed a TrueType CJK font when one is installed — WenQuanYi Zen Hei from Debian's
``fonts-wqy-zenhei`` (``scripts/ensure-fonts.sh``), or the file named by ``XINYONG_PDF_FONT`` — so the
document renders identically everywhere. Without one we fall back to ReportLab's built-in CID font
STSong-Light, which needs no file (the reader supplies the glyphs: Acrobat and pdf.js do; poppler
needs ``poppler-data``). Either way the text layer is real Unicode, which the tests read back with pypdf.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

TTF_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register and return the CJK font: an embedded TrueType font if found, else STSong-Light."""
    configured = os.environ.get("XINYONG_PDF_FONT")
    for candidate in ([configured] if configured else []) + list(TTF_CANDIDATES):
        if candidate and Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont("XinyongCJK", candidate, subfontIndex=0))
                return "XinyongCJK"
            except Exception:  # a broken or CFF font file: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@dataclass(frozen=True)
class NoticeContent:
    notice_no: str
    issued_on: dt.date
    subject_name: str
    subject_code: str | None
    list_name: str
    unit_name: str
    facts: str
    reasons: str
    legal_basis: list[str]
    objection_workdays: int
    remedies: str
    exit_conditions: str
    validity_months: int | None


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def render(content: NoticeContent) -> bytes:
    """The notice as PDF bytes (A4, Simplified Chinese)."""
    font = font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=28, alignment=1, spaceAfter=6)
    number = ParagraphStyle("no", fontName=font, fontSize=11, leading=18, alignment=1, spaceAfter=12)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK")
    head = ParagraphStyle("head", fontName=font, fontSize=12.5, leading=22, spaceBefore=8)
    right = ParagraphStyle("right", fontName=font, fontSize=12, leading=21, alignment=2)
    c = content
    code = f"（统一社会信用代码：{c.subject_code}）" if c.subject_code else ""
    validity = f"自列入之日起 {c.validity_months} 个月" if c.validity_months else "至依法移出之日止"
    story = [
        _p(f"{c.list_name}列入告知书", title),
        _p(c.notice_no, number),
        _p(f"{c.subject_name}{code}：", ParagraphStyle("to", parent=body, firstLineIndent=0)),
        _p(f"经查，{c.facts}", body),
        _p(
            f"根据下列规定，本单位拟将你（单位）列入{c.list_name}，有效期{validity}。现将拟列入的事实、理由、"
            "依据及你（单位）依法享有的权利告知如下。",
            body,
        ),
        _p("一、拟列入的理由", head),
        _p(c.reasons, body),
        _p("二、依据", head),
        *[_p(f"{i}. {b}", body) for i, b in enumerate(c.legal_basis, 1)],
        _p("三、你（单位）享有的权利", head),
        _p(
            f"你（单位）有权陈述和申辩。如有异议，请自本告知书送达之日起 {c.objection_workdays} 个工作日内"
            "（按国家法定工作日计算，送达当日不计入）向本单位书面提出，并附相关证明材料。逾期未提出的，"
            "视为放弃陈述和申辩的权利，本单位将依法作出列入决定并予以公示。",
            body,
        ),
        _p(f"救济途径：{c.remedies}", body),
        _p(f"移出条件：{c.exit_conditions}", body),
        Spacer(1, 16 * mm),
        _p(c.unit_name, right),
        _p(f"{c.issued_on.year}年{c.issued_on.month}月{c.issued_on.day}日", right),
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"{c.list_name}列入告知书 {c.notice_no}",
        author=c.unit_name,
    )
    doc.build(story)
    return buf.getvalue()
